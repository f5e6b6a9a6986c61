/*
 * client/packet: the ObjectArray packet of IWbemWCOSmartEnum::Next (client
 * layer, a leaf parser; MS-WMI 2.2.14, docs/internals/client.md).
 *
 *   ObjectArray
 *     dwByteOrdering u32 (0)  abSignature "WBEMDATA"  dwSizeOfHeader1 u32
 *     dwDataSize1 u32  dwFlags u32  bVersion u8 (1)  bPacketType u8
 *     [to dwSizeOfHeader1]
 *     dwSizeOfHeader2 u32  dwDataSize2 u32         [to dwSizeOfHeader2]
 *     dwSizeOfHeader3 u32  dwDataSize3 u32  dwNumObjects u32
 *                                                  [to dwSizeOfHeader3]
 *     dwNumObjects x WBEM_DATAPACKET_OBJECT
 *       dwSizeOfHeader u32 (9)  dwSizeOfData u32  bObjectType u8
 *       [to dwSizeOfHeader], then dwSizeOfData octets:
 *         1 WBEMOBJECT_CLASS            dwSizeOfHeader (8) dwSizeOfData
 *                                       ObjectBlock (a class)
 *         2 WBEMOBJECT_INSTANCE         dwSizeOfHeader (0x18) dwSizeOfData
 *                                       classID GUID, ObjectBlock
 *         3 WBEMOBJECT_INSTANCE_NOCLASS the same header, then an
 *                                       EncodingUnitInstanceNoClass
 *
 * Every size is checked against its container before it is used; header
 * sizes larger than ours are honoured (the extra octets skipped).  The
 * parsed objects borrow the input.  Errors: WBEM_E_INVALID_STREAM with
 * the offending offset in errinfo.offset, E_OUTOFMEMORY.
 */
#ifndef OWMI_CLIENT_PACKET_H
#define OWMI_CLIENT_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "base/errinfo.h"
#include "base/hresult.h"

enum client_pkt_type {
	CLIENT_PKT_CLASS = 1,
	CLIENT_PKT_INSTANCE = 2,
	CLIENT_PKT_NOCLASS = 3,
};

struct client_pkt_obj {
	uint8_t type;         /* enum client_pkt_type */
	uint8_t guid[16];     /* instances: the class's id in the stream */
	const uint8_t *block; /* the ObjectBlock / class-less unit */
	size_t len;
};

/*
 * Parses the ObjectArray [p, p+n) holding at most [max_objs] objects.
 * Returns owned (talloc array under [mem]) the objects in [*objs] and
 * their count in [*n_objs]; they borrow [p].
 */
hresult client_packet_parse(void *mem,
                            const uint8_t *p,
                            size_t n,
                            uint32_t max_objs,
                            struct client_pkt_obj **objs,
                            uint32_t *n_objs,
                            struct errinfo *ei);

#endif
