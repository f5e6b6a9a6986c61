/*
 * wmio-int.h: internals shared by the MS-WMIO encoder and decoder (wmio
 * folder only).
 */
#ifndef OWMI_WMIO_WMIO_INT_H
#define OWMI_WMIO_WMIO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cim/cim.h"

#define WMIO_LAYER "wmio"

#define WMIO_REF_NULL        0xFFFFFFFFu /* HeapRef "no item" */
#define WMIO_REF_DICT        0x80000000u /* DictionaryReference bit */
#define WMIO_HEAPLEN_FLAG    0x80000000u /* HeapLength high bit */
#define WMIO_PROP_INHERITED  0x4000u     /* PropertyType Inherited */
#define WMIO_METHOD_INHERITS 0x20u       /* MethodFlags ORIGIN_PROPAGATED */
#define WMIO_N_DICT          11u
#define WMIO_ND_NULL         0x1u /* NullAndDefaultFlag bit 0 */
#define WMIO_ND_DEFAULT      0x2u /* NullAndDefaultFlag bit 1 */
#define WMIO_PARAMS_CLASS    "__PARAMETERS"
#define WMIO_RETURN_VALUE    "ReturnValue"
#define WMIO_CIMTYPE         "CIMTYPE"

/* The DictionaryReference strings (MS-WMIO 2.2.80), by index. */
extern const char *const wmio_dict[WMIO_N_DICT];

/* Returns the ValueTable slot size of [type] (arrays: 4), 0 if invalid. */
static inline uint32_t wmio_slot_size(uint32_t type)
{
	if (cim_type_is_array(type)) {
		return 4;
	}
	switch (cim_type_base(type)) {
	case CIM_T_SINT8:
	case CIM_T_UINT8:
		return 1;
	case CIM_T_SINT16:
	case CIM_T_UINT16:
	case CIM_T_CHAR16:
	case CIM_T_BOOLEAN:
		return 2;
	case CIM_T_SINT32:
	case CIM_T_UINT32:
	case CIM_T_REAL32:
	case CIM_T_STRING:
	case CIM_T_DATETIME:
	case CIM_T_REFERENCE:
	case CIM_T_OBJECT:
		return 4;
	case CIM_T_SINT64:
	case CIM_T_UINT64:
	case CIM_T_REAL64:
		return 8;
	default:
		return 0;
	}
}

/* True when values of base type [bt] live in the heap (strings, objects). */
static inline bool wmio_base_on_heap(uint32_t bt)
{
	return bt == CIM_T_STRING || bt == CIM_T_DATETIME ||
	       bt == CIM_T_REFERENCE || bt == CIM_T_OBJECT;
}

#endif
