// Cooperative cancellation for the long compiled loops: a time budget and Ctrl-C.
//
// The searches release the GIL, so Python cannot deliver SIGINT while they run. A loop calls
// `stop.should_stop()` once per unit of work (a node, a subset); it reads the clock every
// `kClockStride` calls and, at most every `poll_s` seconds, briefly re-acquires the GIL to run
// PyErr_CheckSignals. When a signal handler raised (KeyboardInterrupt), the Python error stays set
// and the binding, once it holds the GIL again, calls `stop.rethrow_if_interrupted()`, which throws
// py::error_already_set so the caller sees the KeyboardInterrupt itself.
//
// Budgets: seconds < 0 means no limit; a budget beyond kMaxSeconds (about 30 years) is treated as no
// limit too, so that converting it to a steady_clock duration cannot overflow. NaN budgets are refused
// by the Python wrappers before they get here.
#pragma once

#include <pybind11/pybind11.h>

#include <chrono>
#include <cstdint>

namespace viterbo {

class StopCheck {
public:
    static constexpr double kMaxSeconds = 1e9;
    static constexpr std::uint32_t kClockStride = 256;

    explicit StopCheck(double seconds, double poll_s = 0.05)
        : has_deadline_(seconds >= 0.0 && seconds <= kMaxSeconds), poll_s_(poll_s) {
        start_ = Clock::now();
        if (has_deadline_)
            deadline_ = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
        next_poll_ = start_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(poll_s_));
    }

    // True once the loop must stop. Cheap: the clock is read every kClockStride calls.
    bool should_stop() {
        if (stopped()) return true;
        if (++calls_ % kClockStride != 0) return false;
        return check_now();
    }

    // Read the clock (and maybe poll for signals) now.
    bool check_now() {
        const auto now = Clock::now();
        if (has_deadline_ && now > deadline_) timed_out_ = true;
        if (now >= next_poll_) {
            next_poll_ = now + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(poll_s_));
            pybind11::gil_scoped_acquire gil;
            if (PyErr_CheckSignals() != 0) interrupted_ = true;
        }
        return stopped();
    }

    bool stopped() const { return timed_out_ || interrupted_; }
    bool timed_out() const { return timed_out_; }
    bool interrupted() const { return interrupted_; }
    double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

    // Call with the GIL held, after the loop: re-raise the pending KeyboardInterrupt (or other error a
    // signal handler raised) in Python.
    void rethrow_if_interrupted() const {
        if (interrupted_) throw pybind11::error_already_set();
    }

private:
    using Clock = std::chrono::steady_clock;
    bool has_deadline_;
    double poll_s_;
    Clock::time_point start_, deadline_, next_poll_;
    std::uint64_t calls_ = 0;
    bool timed_out_ = false;
    bool interrupted_ = false;
};

}  // namespace viterbo
