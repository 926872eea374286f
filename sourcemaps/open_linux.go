package sourcemaps

import "syscall"

// MAP_POPULATE faults the whole file in with one call instead of one page
// fault per 4 KiB as the skim walks it; every byte is read anyway.
const mmapExtraFlags = syscall.MAP_POPULATE
