#pragma once
// A test-only fault-injection point (tests/faults). Outside tests it does nothing.

namespace tianyan {

// Called by GulpStream after each raw gulp is read. With TIANYAN_TEST_STOP_AFTER_GULPS=N in
// the environment, the process stops itself (SIGSTOP) once, after the N-th gulp, so that a test
// can change the input (truncate it) at a known point of a run and continue it with SIGCONT:
// the alternative, truncating at a guessed moment, races the reader and makes the test flaky.
void fault_hook_after_gulp();

}  // namespace tianyan
