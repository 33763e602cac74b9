#ifndef DISTLAB_CSYS_H
#define DISTLAB_CSYS_H

/// Asks Linux to send this process SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG, which
/// Swift cannot call: prctl is variadic). Returns 0, or -1 where there is no such call.
int distlab_term_with_parent(void);

#endif
