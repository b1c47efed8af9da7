export {
  VirtioNet, type VirtioNetOptions, type VirtioNetStats, type NetLink, VIRTIO_NET_F, VIRTIO_NET_S_LINK_UP, NET_HDR_LEN, RX_BACKLOG,
  parseMac, formatMac, macFromName,
} from './virtio-net.js';
