// What the host has now (links, addresses, routes, namespaces, listeners): the input of the conflict check.
import { addresses, alive, links, netnsList, routes, tcpListeners } from "./host";
import { State } from "./state";

export function hostFacts(state: State) {
  return {
    links: links().map((l) => l.ifname),
    addresses: addresses().flatMap((a) => a.addr_info.map((x) => ({ ifname: a.ifname, local: x.local, prefixlen: x.prefixlen, family: x.family }))),
    routes: routes(),
    netns: netnsList(),
    listeners: tcpListeners(),
    ourProxyPid: state.proxy && alive(state.proxy) ? state.proxy.pid : undefined,
  };
}
