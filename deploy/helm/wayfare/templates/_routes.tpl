{{/* Body of one HTTP route to a service: destination(s), timeout, retries, fault.
     (dict "root" $ "name" "catalog" "svc" $svc "retry" true ["color" "green"])
     With "color", everything goes to that subset (the idle colour's preview/affinity routes). */}}
{{- define "wayfare.routeBody" -}}
{{- $svc := .svc -}}
{{- $host := printf "%s.%s.svc.cluster.local" .name .root.Release.Namespace -}}
route:
{{- if and $svc.blueGreen.enabled .color }}
  - destination:
      host: {{ $host }}
      port: {number: 8080}
      subset: {{ .color }}
    weight: 100
{{- else if $svc.blueGreen.enabled }}
{{- $active := $svc.blueGreen.activeColor }}
  - destination:
      host: {{ $host }}
      port: {number: 8080}
      subset: {{ $active }}
    weight: 100
  - destination:
      host: {{ $host }}
      port: {number: 8080}
      subset: {{ ternary "green" "blue" (eq $active "blue") }}
    weight: 0
{{- else }}
  - destination:
      host: {{ $host }}
      port: {number: 8080}
{{- end }}
timeout: {{ $svc.route.timeout }}
{{- if .retry }}
retries:
  attempts: {{ $svc.route.retries.attempts }}
  perTryTimeout: {{ $svc.route.retries.perTryTimeout }}
  retryOn: {{ $svc.route.retries.retryOn | quote }}
{{- else }}
retries:
  attempts: 0
{{- end }}
{{- if or $svc.fault.delay.enabled $svc.fault.abort.enabled }}
fault:
  {{- if $svc.fault.delay.enabled }}
  delay:
    percentage: {value: {{ $svc.fault.delay.percent }}}
    fixedDelay: {{ $svc.fault.delay.fixedDelay }}
  {{- end }}
  {{- if $svc.fault.abort.enabled }}
  abort:
    percentage: {value: {{ $svc.fault.abort.percent }}}
    httpStatus: {{ $svc.fault.abort.httpStatus }}
  {{- end }}
{{- end }}
{{- end -}}


{{/* The idle colour of a blue/green service. */}}
{{- define "wayfare.idleColor" -}}
{{- ternary "green" "blue" (eq .blueGreen.activeColor "blue") -}}
{{- end -}}

{{/* Routes to a service's idle colour, ahead of the live routes: requests that carry
     `match` (a list of HTTPMatchRequest without the method) go to the idle subset.
     (dict "root" $ "name" "catalog" "svc" $svc "match" (list ...) "prefix" "idle") -> YAML list items */}}
{{- define "wayfare.idleRoutes" -}}
{{- $svc := .svc -}}
{{- $idle := include "wayfare.idleColor" $svc -}}
{{- $methods := dict "method" (dict "regex" (printf "^(%s)$" (join "|" $svc.route.idempotentMethods))) -}}
- name: {{ printf "%s-idempotent" .prefix }}
  match:
    {{- range .match }}
    - {{ merge (deepCopy .) $methods | toJson }}
    {{- end }}
  {{- include "wayfare.routeBody" (dict "root" .root "name" .name "svc" $svc "retry" true "color" $idle) | nindent 2 }}
- name: {{ .prefix }}
  match:
    {{- range .match }}
    - {{ toJson . }}
    {{- end }}
  {{- include "wayfare.routeBody" (dict "root" .root "name" .name "svc" $svc "retry" false "color" $idle) | nindent 2 }}
{{- end -}}
