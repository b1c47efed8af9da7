import { systemSuite } from './harness.js';
import { rsvdHasP } from './sdm.js';
import { paging64Kernel } from './kernels/paging64.js';

systemSuite('paging64', paging64Kernel, ({ agree }) => {
  agree('pg.cpuid', 'the physical-address width both machines report');
  agree('pg.4k', '4 KiB pages: translation, accessed bits on the walk, the dirty bit on a write after a read');
  agree('pg.2m', '2 MiB pages with their accessed and dirty bits');
  agree('pg.1g', '1 GiB pages (CPUID.80000001H:EDX[26]) and their reserved bits', rsvdHasP);
  agree('pg.np', 'not-present entries at each level: #PF error codes and CR2');
  agree('pg.straddle', 'fetch, store and load straddling into a not-present page: CR2 = that page, nothing stored');
  agree('pg.rep', 'REP MOVS/STOS faulting part way (destination, source, DF=1): RCX/RSI/RDI at the fault, and the rest after the page is mapped');
  agree('pg.rsvd', 'reserved bits: #PF with RSVD (and P, which QEMU leaves out)', rsvdHasP);
  agree('pg.nx', 'NX in a PTE and in a PDE: fetches fault with I set, reads do not');
  agree('pg.ro', 'read-only pages: supervisor writes with CR0.WP clear and set');
  agree('pg.user', 'U/S and R/W from CPL 3', rsvdHasP);
  agree('pg.tlb', 'INVLPG, CR3 reloads, and not-present entries that are never cached');
  agree('pg.global', 'global pages: INVLPG and CR4.PGE toggling flush them');
});
