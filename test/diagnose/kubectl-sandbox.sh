# The stand-in `kubectl` of kubectl-sandbox.ts: sourced before a remediation command runs. $OBJECTS is the directory
# of object files (kind.namespace.name.json).
set -o pipefail
kubectl() {
  local verb="$1"; shift
  local ns=default rest=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -n|--namespace) ns="$2"; shift 2 ;;
      *) rest+=("$1"); shift ;;
    esac
  done
  case "$verb" in
    create)
      case " ${rest[*]} " in
        *" --dry-run=client "*) command kubectl create "${rest[@]}" -n "$ns" ;;
        *) command kubectl create "${rest[@]}" -n "$ns" --dry-run=client -o json ;;
      esac ;;
    patch|get)
      local kind="${rest[0]}" name="${rest[1]}"
      if [ "$verb" = get ] && [ "${#rest[@]}" -eq 1 ] && [[ "$kind" =~ ^(secrets|serviceaccounts|pods)$ ]]; then
        # A list: the names, as `kubectl get KIND -o name` prints them.
        local singular="${kind%s}" f
        for f in "$OBJECTS/$singular.$ns."*.json; do
          [ -e "$f" ] && f="${f##*/$singular.$ns.}" && echo "$singular/${f%.json}"
        done
        return 0
      fi
      if [ -z "$name" ] || [[ "$name" == -* ]]; then
        echo "sandbox: needs a cluster: kubectl get $kind ${rest[*]:1}" >&2; return 97
      fi
      rest=("${rest[@]:2}")
      local file="$OBJECTS/$kind.$ns.$name.json"
      if [ ! -f "$file" ]; then echo "sandbox: no object $kind $ns/$name" >&2; return 96; fi
      if [ "$verb" = patch ]; then
        command kubectl patch --local -f "$file" "${rest[@]}" -o json
      elif [ "${rest[*]}" = "-o json" ]; then
        cat "$file"
      elif [ "${#rest[@]}" -eq 2 ] && [ "${rest[0]}" = -o ] && [[ "${rest[1]}" == jsonpath=* ]]; then
        command kubectl patch --local -f "$file" --type merge -p '{}' -o "${rest[1]}"
      else
        echo "sandbox: cannot emulate get ${rest[*]}" >&2; return 97
      fi ;;
    replace|apply)
      if [ "${rest[*]}" = "-f -" ]; then cat; else echo "sandbox: needs a cluster: $verb" >&2; return 97; fi ;;
    *) echo "sandbox: needs a cluster: kubectl $verb" >&2; return 97 ;;
  esac
}
