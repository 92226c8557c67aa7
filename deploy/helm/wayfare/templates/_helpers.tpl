{{/*
Helpers shared by every template. Each per-service template ranges over .Values.services and works
on the service's settings merged over .Values.serviceDefaults ("wayfare.svc").
*/}}

{{- define "wayfare.chart" -}}
{{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* Merged settings of one service: (dict "root" $ "name" "catalog") -> YAML (use with fromYaml). */}}
{{- define "wayfare.svc" -}}
{{- $own := index .root.Values.services .name | default dict -}}
{{- include "wayfare.deepMerge" (dict "base" .root.Values.serviceDefaults "over" $own) -}}
{{- end -}}

{{/* Deep merge where `over` wins, including false, 0 and empty lists (sprig's mergeOverwrite
     ignores those, so `enabled: false` would not switch a service off). -> YAML */}}
{{- define "wayfare.deepMerge" -}}
{{- $out := deepCopy .base -}}
{{- range $k, $v := .over -}}
{{- $cur := index $out $k -}}
{{- if and (kindIs "map" $v) (kindIs "map" $cur) -}}
{{- $_ := set $out $k (include "wayfare.deepMerge" (dict "base" $cur "over" $v) | fromYaml) -}}
{{- else -}}
{{- $_ := set $out $k $v -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Names of the enabled services, sorted: (root) -> YAML list (use with fromYamlArray). */}}
{{- define "wayfare.enabled" -}}
{{- $out := list -}}
{{- range $name, $_ := .Values.services -}}
{{- $s := include "wayfare.svc" (dict "root" $ "name" $name) | fromYaml -}}
{{- if $s.enabled }}{{ $out = append $out $name }}{{ end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Enabled services that call .name: (dict "root" $ "name" "catalog") -> YAML list. */}}
{{- define "wayfare.callers" -}}
{{- $out := list -}}
{{- $target := .name -}}
{{- range $caller := include "wayfare.enabled" .root | fromYamlArray -}}
{{- $s := include "wayfare.svc" (dict "root" $.root "name" $caller) | fromYaml -}}
{{- if has $target $s.calls }}{{ $out = append $out $caller }}{{ end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Enabled services that .name calls. */}}
{{- define "wayfare.callees" -}}
{{- $out := list -}}
{{- $s := include "wayfare.svc" (dict "root" .root "name" .name) | fromYaml -}}
{{- $enabled := include "wayfare.enabled" .root | fromYamlArray -}}
{{- range $callee := $s.calls -}}
{{- if has $callee $enabled }}{{ $out = append $out $callee }}{{ end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* Deployment colours of a service: ["stable"] or ["blue", "green"]. */}}
{{- define "wayfare.colors" -}}
{{- if .blueGreen.enabled -}}
{{- toYaml (list "blue" "green") -}}
{{- else -}}
{{- toYaml (list "stable") -}}
{{- end -}}
{{- end -}}

{{/* Workload name of a colour: (dict "name" "catalog" "color" "blue") */}}
{{- define "wayfare.workload" -}}
{{- if eq .color "stable" }}{{ .name }}{{ else }}{{ printf "%s-%s" .name .color }}{{ end -}}
{{- end -}}

{{/* Image reference of a colour: (dict "root" $ "svc" $svc "color" "blue") */}}
{{- define "wayfare.image" -}}
{{- $tag := .svc.image.tag | default .root.Chart.AppVersion -}}
{{- if ne .color "stable" -}}
{{- $tag = (index .svc.blueGreen .color).tag | default $tag -}}
{{- end -}}
{{- $ref := printf "%s:%s" .root.Values.image.repository $tag -}}
{{- if and .svc.image.digest (eq .color "stable") -}}
{{- $ref = printf "%s@%s" $ref .svc.image.digest -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{- define "wayfare.imageTag" -}}
{{- $tag := .svc.image.tag | default .root.Chart.AppVersion -}}
{{- if ne .color "stable" -}}
{{- $tag = (index .svc.blueGreen .color).tag | default $tag -}}
{{- end -}}
{{- $tag -}}
{{- end -}}

{{/* Labels common to every object of a service: (dict "root" $ "name" "catalog") */}}
{{- define "wayfare.labels" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/part-of: wayfare
app.kubernetes.io/component: {{ .component | default .name }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "wayfare.chart" .root }}
{{- end -}}

{{/* Labels of namespace-wide objects. */}}
{{- define "wayfare.commonLabels" -}}
app.kubernetes.io/part-of: wayfare
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "wayfare.chart" . }}
{{- end -}}

{{/* Selector of every pod of a service, all colours (the Service and the mesh policies use it). */}}
{{- define "wayfare.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end -}}

{{/* SPIFFE principal of a service's ServiceAccount in this release's namespace. */}}
{{- define "wayfare.principal" -}}
{{ printf "%s/ns/%s/sa/%s" .root.Values.mesh.trustDomain .root.Release.Namespace .name }}
{{- end -}}

{{- define "wayfare.roleArn" -}}
{{- .svc.serviceAccount.roleArn | default (printf "arn:aws:iam::%s:role/wayfare-%s-%s" .root.Values.aws.accountId .root.Values.environment .name) -}}
{{- end -}}

{{- define "wayfare.secretName" -}}
{{ printf "%s-secrets" . }}
{{- end -}}

{{- define "wayfare.terminationGrace" -}}
{{- $l := .lifecycle -}}
{{- add $l.preStopSleepSeconds $l.drainDelaySeconds $l.shutdownGraceSeconds $l.terminationMarginSeconds -}}
{{- end -}}

{{/* Restricted (Pod Security Standards) security contexts. */}}
{{- define "wayfare.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "wayfare.containerSecurityContext" -}}
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}
