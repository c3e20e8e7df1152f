"""One module per service check; `REGISTRY` lists them in the order they run on a port."""

from __future__ import annotations

from aivet.collect.exposure.checks import (
    banner,
    clickhouse_http,
    clickhouse_native,
    docker,
    elasticsearch,
    etcd,
    grafana,
    jupyter,
    kafka,
    kibana,
    kubelet,
    kubernetes,
    memcached,
    mongodb,
    mysql,
    postgres,
    prometheus,
    redis,
    web,
)
from aivet.collect.exposure.checks.base import Check

REGISTRY: dict[str, Check] = {
    c.name: c
    for c in (
        clickhouse_http.CHECK,
        clickhouse_native.CHECK,
        elasticsearch.CHECK,
        redis.CHECK,
        mongodb.CHECK,
        postgres.CHECK,
        mysql.CHECK,
        memcached.CHECK,
        kafka.CHECK,
        etcd.CHECK,
        prometheus.CHECK,
        grafana.CHECK,
        kibana.CHECK,
        jupyter.CHECK,
        docker.CHECK,
        kubernetes.CHECK,
        kubelet.CHECK,
        web.CHECK,
        banner.CHECK,
    )
}
