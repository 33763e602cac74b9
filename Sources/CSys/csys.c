#include "csys.h"

#if defined(__linux__)
#include <signal.h>
#include <sys/prctl.h>

int distlab_term_with_parent(void) { return prctl(PR_SET_PDEATHSIG, SIGTERM); }
#else
int distlab_term_with_parent(void) { return -1; }
#endif
