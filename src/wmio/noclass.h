/*
 * wmio/noclass: the class-less instance encoding of the smart enumerator
 * (wmio layer, leaf codec; MS-WMIO 2.2.3 EncodingUnitInstanceNoClass,
 * MS-WMI 2.2.14.4 WBEMOBJECT_INSTANCE_NOCLASS).
 *
 *   EncodingUnitInstanceNoClass = ObjectFlags [Decoration] EncodingLength
 *       InstanceFlags InstanceClassName NdTable InstanceData
 *       InstanceQualifierSet InstanceHeap
 *
 * is an instance ObjectBlock without its CurrentClass ClassPart: the
 * fields after the ClassPart are the same octets (InstanceType's
 * EncodingLength counts from itself to the end, the ClassPart excluded),
 * so the class-less form is cut out of a full encoding rather than built
 * again.  The receiver rebuilds the instance with the ClassPart of an
 * earlier WBEMOBJECT_INSTANCE of the same class.
 */
#ifndef OWMI_WMIO_NOCLASS_H
#define OWMI_WMIO_NOCLASS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/errinfo.h"
#include "base/hresult.h"

/*
 * Finds the CurrentClass ClassPart of the instance ObjectBlock [p, p+n):
 * its offset in [*off] and length (ClassHeader.EncodingLength) in [*len].
 * Errors: WBEM_E_INVALID_STREAM (not an instance, a Decoration string or
 * the ClassPart runs past the block; errinfo.offset says where),
 * WBEM_E_INVALID_PARAMETER (NULL arguments).
 */
hresult wmio_instance_class_part(const uint8_t *p,
                                 size_t n,
                                 size_t *off,
                                 size_t *len,
                                 struct errinfo *ei);

/*
 * Appends to [b] the EncodingUnitInstanceNoClass of the instance
 * ObjectBlock [p, p+n) (the block without its ClassPart).  Errors: as
 * wmio_instance_class_part, E_OUTOFMEMORY; [b] keeps its length on
 * failure.
 */
hresult wmio_encode_instance_noclass(struct buf *b,
                                     const uint8_t *p,
                                     size_t n,
                                     struct errinfo *ei);

/*
 * The inverse, for clients and tests: appends to [b] the instance
 * ObjectBlock made of the class-less [p, p+n) and the ClassPart
 * [cp, cp+n_cp) (as wmio_instance_class_part found it in another instance
 * of the class).  Errors: as above.
 */
hresult wmio_instance_add_class_part(struct buf *b,
                                     const uint8_t *p,
                                     size_t n,
                                     const uint8_t *cp,
                                     size_t n_cp,
                                     struct errinfo *ei);

#endif
