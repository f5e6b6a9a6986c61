/*
 * tp_bad: providers that must fail to load (built in tests only).
 *   -DTP_NEWER_ABI   owmi_provider_init reports an ABI newer than ours;
 *   -DTP_INIT_FAILS  owmi_provider_init returns a failure;
 *   -DTP_NO_INIT     the library exports no owmi_provider_init.
 */
#include "openwmi/provider.h"

#if defined(TP_NO_INIT)
OWMI_PROVIDER_EXPORT int owmi_provider_start(void);

OWMI_PROVIDER_EXPORT int owmi_provider_start(void)
{
	return 0;
}
#else
OWMI_PROVIDER_EXPORT int owmi_provider_init(const struct owmi_host *host,
                                            uint32_t host_abi,
                                            struct owmi_provider *out)
{
	(void)host;
	(void)host_abi;
#if defined(TP_INIT_FAILS)
	(void)out;
	return OWMI_E_FAILED;
#else
	out->abi_version = OWMI_PROVIDER_ABI_VERSION + 1;
	out->struct_size = sizeof(*out) + 16;
	out->name = "TpNewAbi";
	return OWMI_S_OK;
#endif
}
#endif
