{{/* Body of one HTTP route to a service: destination(s), timeout, retries, fault.
     (dict "root" $ "name" "catalog" "svc" $svc "retry" true) */}}
{{- define "wayfare.routeBody" -}}
{{- $svc := .svc -}}
{{- $host := printf "%s.%s.svc.cluster.local" .name .root.Release.Namespace -}}
route:
{{- if $svc.blueGreen.enabled }}
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
