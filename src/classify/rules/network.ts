// The path to the registry: proxies, name resolution, dialing, timeouts, connections cut. Mostly Go's net and
// net/http error strings, which every Go runtime (containerd, CRI-O, dockerd, the ECS agent) passes on verbatim,
// plus their Windows wordings.
import type { Rule } from './rule.ts';

export const NETWORK_RULES: readonly Rule[] = [
  {
    id: 'proxy',
    cause: 'PROXY_ERROR',
    pattern:
      /proxyconnect tcp|error connecting to proxy|Proxy Authentication Required|(?:status(?: code)?|http code|HTTP status):? 407\b/,
    wraps: true,
    evidenceBefore: 1,
  },
  {
    // Go's transport turns a proxy's non-200 answer to CONNECT into an error holding only the reason phrase
    // (net/http transport.go dialConn), right after the request URL: a registry's own answer would be a status.
    id: 'proxy-connect-status',
    cause: 'PROXY_ERROR',
    pattern:
      /https:\/\/[^\s"]+"?: (?:Bad Gateway|Service Unavailable|Gateway Timeout|Forbidden|Bad Request|Not Found|Method Not Allowed|Internal Server Error|Too Many Requests|unknown status code)(?=$|[\s,\]"'.;)])/m,
    wraps: true,
    evidenceBefore: 1,
  },
  {
    // net.DNSError: "lookup <name>[ on <server>]: <reason>" — whatever the reason (no such host, a timeout, a
    // refused or unreachable DNS server), it is the name that did not resolve.
    id: 'dns-lookup',
    cause: 'DNS_FAILURE',
    pattern: /\blookup [^\s:]+(?: on \S+?)?: /,
    wraps: true,
    innerAsAlternative: true,
    evidenceBefore: 1,
  },
  {
    id: 'dns',
    cause: 'DNS_FAILURE',
    pattern:
      /no such host|No such host is known|server misbehaving|Temporary failure in name resolution|Name or service not known|No address associated with hostname|nodename nor servname provided|Could not resolve host/,
    evidenceBefore: 2,
  },
  {
    id: 'tls-handshake-timeout',
    cause: 'NETWORK_TIMEOUT',
    pattern: /TLS handshake timeout/,
    evidenceBefore: 1,
  },
  {
    id: 'connection-refused',
    cause: 'CONNECTION_REFUSED',
    pattern: /connection refused|target machine actively refused it/,
    evidenceBefore: 2,
  },
  {
    id: 'unreachable',
    cause: 'NETWORK_UNREACHABLE',
    pattern:
      /no route to host|network is unreachable|host is unreachable|host is down|to an unreachable (?:network|host)/,
    evidenceBefore: 2,
  },
  {
    id: 'timeout',
    cause: 'NETWORK_TIMEOUT',
    pattern:
      /i\/o timeout|Client\.Timeout exceeded|timeout awaiting response headers|connection timed out|operation timed out|did not properly respond after a period of time|request canceled while waiting for connection|net\/http: request canceled|(?:dial tcp|dialing)\S*(?: \S+)?: (?:\w+: )?context deadline exceeded/,
    evidenceBefore: 2,
  },
  {
    id: 'request-deadline',
    cause: 'NETWORK_TIMEOUT',
    pattern: /(?:Get|Head|GET|HEAD|Post|POST) "?https?:\/\/[^\s"]+"?: context deadline exceeded/,
    alternatives: ['PULL_TIMEOUT'],
  },
  {
    // The connection was torn down under a request. Inside a blob transfer the layer broke off.
    id: 'connection-reset',
    cause: 'NETWORK_TIMEOUT',
    pattern:
      /connection reset by peer|broken pipe|forcibly closed by the remote host|http2: server sent GOAWAY|http2: client connection lost|server closed idle connection/,
    alternatives: ['PROXY_ERROR'],
    evidenceBefore: 2,
    byOperation: {
      blob: { cause: 'LAYER_DOWNLOAD_FAILED', alternatives: ['NETWORK_TIMEOUT'] },
    },
  },
];
