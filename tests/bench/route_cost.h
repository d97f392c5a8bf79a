/* SPDX-License-Identifier: GPL-2.0 */
#ifndef P2P_ROUTE_COST_H
#define P2P_ROUTE_COST_H

#include <linux/seq_buf.h>

int route_cost_report(struct seq_buf *s, unsigned int rounds);

#endif /* P2P_ROUTE_COST_H */
