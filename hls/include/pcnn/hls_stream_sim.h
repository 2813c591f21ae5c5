// pcnn-hw: a small hls::stream for C-simulation with g++ (our own code, BSD-3-Clause).
//
// Vitis HLS ships its own hls_stream.h; this file implements the subset of its interface the pcnn
// kernels use, so the kernel library compiles and runs with a plain C++ compiler. Streams are
// unbounded FIFOs (C-simulation runs the processes of a DATAFLOW region one after the other).
// Reading an empty stream is a deadlock in hardware: here it prints the stream's name and exits
// with status 3, which the Python side reports as a SimulationError.
#ifndef PCNN_HLS_STREAM_SIM_H
#define PCNN_HLS_STREAM_SIM_H

#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

namespace hls {

template <typename T>
class stream {
 public:
  stream() : name_("unnamed") {}
  explicit stream(const char *name) : name_(name) {}
  stream(const stream &) = delete;
  stream &operator=(const stream &) = delete;

  // Blocking read; an empty stream ends the program (deadlock).
  T read() {
    if (q_.empty()) {
      std::fprintf(stderr, "pcnn hls::stream: read from empty stream '%s' (deadlock)\n", name_.c_str());
      std::exit(3);
    }
    T v = q_.front();
    q_.pop_front();
    return v;
  }
  void read(T &v) { v = read(); }
  bool read_nb(T &v) {
    if (q_.empty()) return false;
    v = read();
    return true;
  }
  void write(const T &v) { q_.push_back(v); }
  bool write_nb(const T &v) {
    write(v);
    return true;
  }
  stream &operator>>(T &v) {
    read(v);
    return *this;
  }
  stream &operator<<(const T &v) {
    write(v);
    return *this;
  }
  bool empty() const { return q_.empty(); }
  bool full() const { return false; }
  std::size_t size() const { return q_.size(); }
  const std::string &name() const { return name_; }

 private:
  std::deque<T> q_;
  std::string name_;
};

}  // namespace hls

#endif  // PCNN_HLS_STREAM_SIM_H
