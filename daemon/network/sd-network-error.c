/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "sd-network-error.h"

G_DEFINE_QUARK (sd-network-error-quark, sd_network_error)
