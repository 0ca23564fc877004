// libFuzzer's driver, for a program with a main of its own (linked by -sanitize=fuzzer).
// The corresponding function is LLVMFuzzerRunDriver in compiler-rt's FuzzerDriver.cpp.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
