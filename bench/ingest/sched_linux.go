package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"unsafe"
)

// Linux scheduling policies (sched(7)).
const (
	schedOther = 0
	schedBatch = 3
)

// setBatch makes every thread of this process a SCHED_BATCH task (on) or
// an ordinary one (off). A batch task does not preempt the task running on
// its CPU when it wakes: the generator, woken by every answer, then stops
// taking the CPU from the server at each one, which on the 2-vCPU machine
// they share costs the server 5 to 15 % of its throughput. Threads started
// later inherit the policy of the thread that starts them.
func setBatch(on bool) error {
	policy := schedOther
	if on {
		policy = schedBatch
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return err
	}
	var prio int32 // sched_param.sched_priority: 0 for both policies
	for _, t := range tasks {
		tid, err := strconv.Atoi(t.Name())
		if err != nil {
			continue
		}
		_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETSCHEDULER, uintptr(tid), uintptr(policy), uintptr(unsafe.Pointer(&prio)))
		if errno != 0 && errno != syscall.ESRCH { // ESRCH: the thread has exited
			return fmt.Errorf("-sched: set the scheduling policy of thread %d: %w", tid, errno)
		}
	}
	return nil
}
