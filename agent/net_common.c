/* What both platforms' net (net.h) share. */
#include "net.h"

const char *ofd_net_fail_name(enum ofd_net_fail f)
{
    switch (f) {
    case OFD_NET_OK: return "ok";
    case OFD_NET_REFUSED: return "refused";
    case OFD_NET_TIMEOUT: return "timed out";
    case OFD_NET_UNREACHABLE: return "unreachable";
    case OFD_NET_CLOSED: return "closed by the peer";
    case OFD_NET_ERROR: break;
    }
    return "failed";
}
