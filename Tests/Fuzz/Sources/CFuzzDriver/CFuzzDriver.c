// SwiftPM wants a source file in a C target; the header is what this target is for.
#include "CFuzzDriver.h"
