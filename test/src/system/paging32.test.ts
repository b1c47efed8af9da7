import { systemSuite } from './harness.js';
import { paging32Kernel } from './kernels/paging32.js';
import { rsvdHasP } from './sdm.js';

systemSuite('paging32', paging32Kernel, ({ agree }) => {
  agree('pg32.4k', 'legacy paging, 4 KiB pages: translation, accessed and dirty bits');
  agree('pg32.4m', 'legacy paging, 4 MiB pages (CR4.PSE) with their accessed and dirty bits');
  agree('pg32.np', 'legacy paging: not-present #PF error codes and CR2; no I bit for fetches, even under EFER.NXE');
  agree('pg32.rsvd', 'legacy paging: bit 21 of a 4 MiB PDE is reserved', rsvdHasP);
  agree('pg32.nopse', 'without CR4.PSE the PS bit is ignored: the PDE names a page table');
  agree('pg32.ro', 'legacy paging: supervisor writes to read-only pages with CR0.WP clear and set');
  agree('pg32.user', 'legacy paging from a 32-bit CPL 3: U/S, R/W, not present, the TSS ESP0 switch');
  agree('pg32.back', 'the dirty bit a CR0.WP=0 supervisor write set on a read-only page');
  agree('pae', 'PAE paging in 32-bit mode: 4 KiB and 2 MiB pages, A/D bits, NX, reserved bits', rsvdHasP);
});
