# common/net.mk: Linux networking glue (TUN, rtnetlink, nftables, sysctl).
common_libtlsvpn_a_SOURCES += \
	common/tun.h common/tun-linux.c \
	common/tunwrite.h common/tunwrite.c \
	common/netlink.h common/netlink.c \
	common/nftables.h common/nftables.c common/nftables-names.c \
	common/sysctl.h common/sysctl.c
