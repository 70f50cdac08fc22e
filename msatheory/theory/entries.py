"""The 59 numbered statements of the theory document, in the theory's order.

Each record gives the statement in the theory's words (``statement_zh``) and in
English, the object that encodes it (``encoding``, a dotted path) and the notebook
that teaches it; both stay ``None`` until the statement's chapter is written.
"""

from __future__ import annotations

from msatheory.theory.statement import Kind, Statement

BASICS = "notebooks/01a_microservice_systems.ipynb"
DESIGN = "notebooks/02a_design_principles.ipynb"
REGISTRY = "notebooks/03a_registry_and_health.ipynb"
BALANCING = "notebooks/03b_balancing_and_patterns.ipynb"
GATEWAY = "notebooks/04a_the_front_door.ipynb"
BEHIND = "notebooks/04b_limits_caches_fan_out.ipynb"
CALLS = "notebooks/05a_calls_queues_events.ipynb"
FAILING = "notebooks/05b_when_calls_fail.ipynb"
SHARDING = "notebooks/06a_sharding.ipynb"
REPLICAS = "notebooks/06b_replicas_and_consistency.ipynb"
RELEASES = "notebooks/07a_releases.ipynb"
OBSERVING = "notebooks/07b_observability.ipynb"
PATTERNS = "notebooks/08_patterns_and_practices.ipynb"
CHECK = "notebooks/90_check_a_system.ipynb"

STATEMENTS: tuple[Statement, ...] = (
    # 1.0 微服务基础理论 -- basics
    Statement(
        kind=Kind.DEFINITION,
        number="1.1.1",
        title="Microservice",
        title_zh="微服务",
        statement=(
            r"A microservice is a quadruple $\mathcal{MS} = (S, I, D, N)$, where $S$ is the set "
            "of services, $I$ the set of interfaces, $D$ the set of data and $N$ the network "
            "topology."
        ),
        statement_zh=(
            r"微服务是一个四元组 $\mathcal{MS} = (S, I, D, N)$，其中：$S$ 是服务集合，$I$ "
            "是接口集合，$D$ 是数据集合，$N$ 是网络拓扑。"
        ),
        encoding="msatheory.basics.Microservice",
        notebook=BASICS,
        reading=(
            "Ours: the quadruple describes a whole system of services, not one service; the "
            "model is msatheory.basics.Architecture, whose microservice view is (S, I, D, N)."
        ),
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="1.1.2",
        title="Microservice architecture",
        title_zh="微服务架构",
        statement=(
            r"A microservice architecture is a quintuple $\mathcal{MSA} = (S, C, N, D, M)$, "
            "where $S$ is the set of services, $C$ the communication mechanism, $N$ the network "
            "layer, $D$ the data layer and $M$ the monitoring layer."
        ),
        statement_zh=(
            r"微服务架构是一个五元组 $\mathcal{MSA} = (S, C, N, D, M)$，其中：$S$ 是服务集合，"
            "$C$ 是通信机制，$N$ 是网络层，$D$ 是数据层，$M$ 是监控层。"
        ),
        encoding="msatheory.basics.Architecture",
        notebook=BASICS,
    ),
    Statement(
        kind=Kind.AXIOM,
        number="1.1.1",
        title="Independence",
        title_zh="微服务独立性",
        statement=(
            r"Each microservice $s \in S$ can be deployed, scaled and replaced independently."
        ),
        statement_zh=r"每个微服务 $s \in S$ 可以独立部署、扩展和替换。",
        encoding="msatheory.basics.check_independence",
        notebook=BASICS,
        reading=(
            "Ours: three things bind services so that one cannot be deployed, scaled or replaced "
            "alone: a cycle of synchronous calls, a shared data store and a shared deployment "
            "unit."
        ),
    ),
    Statement(
        kind=Kind.FEATURE,
        number="1.2.1",
        title="Autonomy",
        title_zh="服务自治",
        statement="Each service has its own data storage and business logic.",
        statement_zh="每个服务拥有自己的数据存储和业务逻辑。",
        encoding="msatheory.basics.check_autonomy",
        notebook=BASICS,
        reading="Ours: no data store (other than a message broker) is used by two services.",
    ),
    Statement(
        kind=Kind.FEATURE,
        number="1.2.2",
        title="Technology diversity",
        title_zh="技术多样性",
        statement="Different services can use different technology stacks.",
        statement_zh="不同服务可以使用不同的技术栈。",
        encoding="msatheory.basics.check_technology_diversity",
        notebook=BASICS,
    ),
    Statement(
        kind=Kind.FEATURE,
        number="1.2.3",
        title="Fault isolation",
        title_zh="故障隔离",
        statement="The failure of a single service does not affect the whole system.",
        statement_zh="单个服务的故障不会影响整个系统。",
        encoding="msatheory.basics.check_fault_isolation",
        notebook=BASICS,
        reading=(
            "Ours: a failure spreads along hard dependencies only (synchronous calls without a "
            "timeout and a fallback), and no single service's failure may reach every entry "
            "point; a lone entry point with two or more replicas is the accepted trade-off "
            "with Pattern 4.3.1."
        ),
    ),
    Statement(
        kind=Kind.FEATURE,
        number="1.2.4",
        title="Independent scaling",
        title_zh="独立扩展",
        statement="Each service can be scaled independently according to its load.",
        statement_zh="每个服务可以根据负载独立扩展。",
        encoding="msatheory.basics.check_independent_scaling",
        notebook=BASICS,
        reading=(
            "Ours: no two services ship in one deployment unit, which would scale them together."
        ),
    ),
    # 2.0 微服务设计原则 -- design principles
    Statement(
        kind=Kind.PRINCIPLE,
        number="2.1.1",
        title="Single responsibility",
        title_zh="单一职责",
        statement=(
            "Each microservice should be responsible for only one business function or domain."
        ),
        statement_zh="每个微服务应该只负责一个业务功能或领域。",
        encoding="msatheory.design.check_single_responsibility",
        notebook=DESIGN,
        reading="Ours: every function of a service belongs to one domain.",
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="2.1.1",
        title="Service boundary",
        title_zh="服务边界",
        statement=(
            r"A service boundary is a function $B: S \to 2^F$ that maps a service to its set of "
            "functions."
        ),
        statement_zh=r"服务边界是一个函数 $B: S \to 2^F$，将服务映射到其功能集合。",
        encoding="msatheory.design.Boundary",
        notebook=DESIGN,
    ),
    Statement(
        kind=Kind.THEOREM,
        number="2.1.1",
        title="Separation of responsibilities",
        title_zh="职责分离",
        statement=(
            r"For any two services $s_1, s_2 \in S$, if $s_1 \neq s_2$ then $B(s_1) \cap B(s_2) "
            r"= \emptyset$."
        ),
        statement_zh=(
            r"对于任意两个服务 $s_1, s_2 \in S$，如果 $s_1 \neq s_2$，则 $B(s_1) \cap B(s_2) = "
            r"\emptyset$。"
        ),
        encoding="msatheory.design.check_separation",
        notebook=DESIGN,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="2.2.1",
        title="Domain",
        title_zh="领域",
        statement=(
            r"A domain is a triple $\mathcal{D} = (E, R, B)$, where $E$ is the set of entities, "
            "$R$ the set of relations and $B$ the set of business rules."
        ),
        statement_zh=(
            r"领域是一个三元组 $\mathcal{D} = (E, R, B)$，其中：$E$ 是实体集合，$R$ 是关系集合，"
            "$B$ 是业务规则集合。"
        ),
        encoding="msatheory.design.Domain",
        notebook=DESIGN,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="2.2.2",
        title="Bounded context",
        title_zh="限界上下文",
        statement=(
            r"A bounded context is a quadruple $\mathcal{BC} = (D, L, I, O)$, where $D$ is the "
            "domain model, $L$ the language, $I$ the input interface and $O$ the output "
            "interface."
        ),
        statement_zh=(
            r"限界上下文是一个四元组 $\mathcal{BC} = (D, L, I, O)$，其中：$D$ 是领域模型，$L$ "
            "是语言，$I$ 是输入接口，$O$ 是输出接口。"
        ),
        encoding="msatheory.design.BoundedContext",
        notebook=DESIGN,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="2.3.1",
        title="Service granularity",
        title_zh="服务粒度",
        statement=(
            "Service granularity is a measure of service complexity, defined as $G(s) = |B(s)| + "
            "|I(s)| + |D(s)|$, where $I(s)$ is the number of interfaces and $D(s)$ the number of "
            "data entities."
        ),
        statement_zh=(
            "服务粒度是服务复杂度的度量，定义为 $G(s) = |B(s)| + |I(s)| + |D(s)|$，其中 $I(s)$ "
            "是接口数量，$D(s)$ 是数据实体数量。"
        ),
        encoding="msatheory.design.granularity",
        notebook=DESIGN,
    ),
    Statement(
        kind=Kind.PRINCIPLE,
        number="2.3.1",
        title="Proper granularity",
        title_zh="适当粒度",
        statement=(
            "Service granularity should be moderate: neither so large that it causes coupling "
            "nor so small that it causes excessive complexity."
        ),
        statement_zh="服务粒度应该适中，既不过大导致耦合，也不过小导致过度复杂。",
        encoding="msatheory.design.check_granularity",
        notebook=DESIGN,
        reading=(
            "Ours: moderate means within bounds, G(s) from merge-below to split-above (3 to 20, "
            "the theory's Go sketch)."
        ),
    ),
    # 3.0 服务发现理论 -- service discovery
    Statement(
        kind=Kind.DEFINITION,
        number="3.1.1",
        title="Service registration",
        title_zh="服务注册",
        statement=(
            r"A service registration is a triple $\mathcal{SR} = (R, S, T)$, where $R$ is the "
            "registry, $S$ the set of services and $T$ the timestamp."
        ),
        statement_zh=(
            r"服务注册是一个三元组 $\mathcal{SR} = (R, S, T)$，其中：$R$ 是注册表，$S$ "
            "是服务集合，$T$ 是时间戳。"
        ),
        encoding="msatheory.discovery.Registration",
        notebook=REGISTRY,
        reading=(
            "Ours: the timestamp T is read as a lease: a registration lives a fixed time past "
            "its last renewal, as in Eureka and Consul TTL checks."
        ),
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="3.1.2",
        title="Service instance",
        title_zh="服务实例",
        statement=(
            r"A service instance is a quadruple $\mathcal{SI} = (ID, URL, Status, Metadata)$, "
            "where $ID$ is the instance identifier, $URL$ the service address, $Status$ the "
            "instance status and $Metadata$ the metadata."
        ),
        statement_zh=(
            r"服务实例是一个四元组 $\mathcal{SI} = (ID, URL, Status, Metadata)$，其中：$ID$ "
            "是实例标识，$URL$ 是服务地址，$Status$ 是实例状态，$Metadata$ 是元数据。"
        ),
        encoding="msatheory.discovery.Instance",
        notebook=REGISTRY,
    ),
    Statement(
        kind=Kind.ALGORITHM,
        number="3.2.1",
        title="Service discovery",
        title_zh="服务发现算法",
        statement=(
            "instances = registry.lookup(serviceName); if it is empty, return the error "
            "\"Service not found\"; otherwise the load balancer selects an instance, which is "
            "returned."
        ),
        statement_zh=(
            "instances = registry.lookup(serviceName)；若为空则返回错误 \"Service not found\"；"
            "否则由负载均衡器选择实例并返回。"
        ),
        encoding="msatheory.discovery.discover",
        notebook=BALANCING,
    ),
    Statement(
        kind=Kind.ALGORITHM,
        number="3.2.2",
        title="Health check",
        title_zh="健康检查算法",
        statement=(
            "For each instance in the registry: if the instance is not healthy, deregister it "
            "from the registry."
        ),
        statement_zh="对注册表中的每个实例：如果实例不健康，则从注册表注销它。",
        encoding="msatheory.discovery.HealthChecker",
        notebook=REGISTRY,
        reading=(
            "Ours: 'not healthy' is decided by consecutive failed checks, deregistration waits, "
            "and a registry that loses most of its fleet at once stops evicting "
            "(self-preservation)."
        ),
    ),
    Statement(
        kind=Kind.PATTERN,
        number="3.3.1",
        title="Client-side discovery",
        title_zh="客户端发现",
        statement=(
            "The client queries the service registry directly and selects a service instance."
        ),
        statement_zh="客户端直接查询服务注册表，选择服务实例。",
        encoding="msatheory.discovery.ClientSideDiscovery",
        notebook=BALANCING,
    ),
    Statement(
        kind=Kind.PATTERN,
        number="3.3.2",
        title="Server-side discovery",
        title_zh="服务端发现",
        statement=(
            "The client accesses services through a load balancer; the load balancer is "
            "responsible for service discovery."
        ),
        statement_zh="客户端通过负载均衡器访问服务，负载均衡器负责服务发现。",
        encoding="msatheory.discovery.ServerSideDiscovery",
        notebook=BALANCING,
    ),
    # 4.0 API网关理论 -- API gateway
    Statement(
        kind=Kind.DEFINITION,
        number="4.1.1",
        title="API gateway",
        title_zh="API网关",
        statement=(
            r"An API gateway is a quadruple $\mathcal{AG} = (R, P, L, S)$: $R$ the routing "
            "rules, $P$ the policies, $L$ the load balancer, $S$ the security mechanism."
        ),
        statement_zh=(
            r"API网关是一个四元组 $\mathcal{AG} = (R, P, L, S)$，其中：$R$ 是路由规则，$P$ "
            "是策略集合，$L$ 是负载均衡器，$S$ 是安全机制。"
        ),
        reading=(
            "Ours: P gives each route of R its chain of policies in the order they run, as "
            "the sketch's Route.Policies; S is what verifies tokens. The order matters: "
            "authentication comes before per-caller limits, authorization and the cache."
        ),
        encoding="msatheory.gateway.Gateway",
        notebook=GATEWAY,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="4.1.2",
        title="Routing rule",
        title_zh="路由规则",
        statement=(
            r"A routing rule is a function $f: \text{Request} \to \text{Service}$ mapping each "
            "request to its target service."
        ),
        statement_zh=(
            r"路由规则是一个函数 $f: \text{Request} \to \text{Service}$，将请求映射到目标服务。"
        ),
        encoding="msatheory.gateway.Route",
        notebook=GATEWAY,
    ),
    Statement(
        kind=Kind.FUNCTION,
        number="4.2.1",
        title="Routing",
        title_zh="路由",
        statement="Route client requests to the appropriate microservice.",
        statement_zh="将客户端请求路由到适当的微服务。",
        encoding="msatheory.gateway.RoutingTable",
        notebook=GATEWAY,
    ),
    Statement(
        kind=Kind.FUNCTION,
        number="4.2.2",
        title="Aggregation",
        title_zh="聚合",
        statement="Aggregate the responses of several microservices into a single response.",
        statement_zh="将多个微服务的响应聚合为单个响应。",
        encoding="msatheory.gateway.fan_out",
        notebook=BEHIND,
    ),
    Statement(
        kind=Kind.FUNCTION,
        number="4.2.3",
        title="Authentication",
        title_zh="认证",
        statement="Verify the client's identity and permissions.",
        statement_zh="验证客户端身份和权限。",
        reading=(
            "Ours: identity is a token whose signature and claims verify (else 401, who are "
            "you?); permissions are the scopes or roles a route requires of that identity "
            "(else 403, not allowed)."
        ),
        encoding="msatheory.gateway.authenticate",
        notebook=GATEWAY,
    ),
    Statement(
        kind=Kind.FUNCTION,
        number="4.2.4",
        title="Rate limiting",
        title_zh="限流",
        statement="Control the request rate to prevent overload.",
        statement_zh="控制请求频率，防止过载。",
        reading=(
            "Ours: a quota of requests per caller per interval, which a limiter enforces; "
            "the five classic limiters differ in how many they admit in the worst interval."
        ),
        encoding="msatheory.gateway.Limiter",
        notebook=BEHIND,
    ),
    Statement(
        kind=Kind.PATTERN,
        number="4.3.1",
        title="Single entry point",
        title_zh="单点入口",
        statement="Every client request passes through the API gateway.",
        statement_zh="所有客户端请求都通过API网关。",
        reading=(
            "Ours: the statement holds when every exposed service (one that clients reach "
            "directly) is a gateway; any other exposed service bypasses the gateway. With one "
            "gateway per client type (Pattern 4.3.2) each is an entry; when no gateway is "
            "named, a lone exposed service is the de facto entry."
        ),
        encoding="msatheory.gateway.check_single_entry",
        notebook=GATEWAY,
    ),
    Statement(
        kind=Kind.PATTERN,
        number="4.3.2",
        title="Backend for frontend (BFF)",
        title_zh="BFF模式",
        statement="Provide a dedicated gateway for each type of client.",
        statement_zh="为不同客户端类型提供专门的网关。",
        encoding="msatheory.gateway.check_backend_for_frontend",
        notebook=BEHIND,
    ),
    # 5.0 服务通信理论 -- communication
    Statement(
        kind=Kind.PATTERN,
        number="5.1.1",
        title="Synchronous communication",
        title_zh="同步通信",
        statement="The client waits for the service's response, over HTTP/REST or gRPC.",
        statement_zh="客户端等待服务响应，使用HTTP/REST或gRPC。",
        encoding="msatheory.communication.synchronous_chain",
        notebook=CALLS,
    ),
    Statement(
        kind=Kind.PATTERN,
        number="5.1.2",
        title="Asynchronous communication",
        title_zh="异步通信",
        statement=(
            "The client does not wait for a response; it uses a message queue or an event bus."
        ),
        statement_zh="客户端不等待响应，使用消息队列或事件总线。",
        encoding="msatheory.communication.queue_outage",
        notebook=CALLS,
    ),
    Statement(
        kind=Kind.PATTERN,
        number="5.1.3",
        title="Event-driven communication",
        title_zh="事件驱动",
        statement="Services communicate through events, which decouples their dependencies.",
        statement_zh="服务通过事件进行通信，解耦服务间依赖。",
        encoding="msatheory.communication.order_flow",
        notebook=CALLS,
    ),
    Statement(
        kind=Kind.PROTOCOL,
        number="5.2.1",
        title="REST",
        title_zh="REST",
        statement="RESTful APIs over HTTP, with JSON payloads.",
        statement_zh="基于HTTP的RESTful API，使用JSON格式。",
        encoding="msatheory.communication.retry_safe",
        notebook=CALLS,
    ),
    Statement(
        kind=Kind.PROTOCOL,
        number="5.2.2",
        title="gRPC",
        title_zh="gRPC",
        statement="An RPC framework over HTTP/2, with Protocol Buffers.",
        statement_zh="基于HTTP/2的RPC框架，使用Protocol Buffers。",
        encoding="msatheory.communication.deadline_trace",
        notebook=CALLS,
    ),
    Statement(
        kind=Kind.PROTOCOL,
        number="5.2.3",
        title="Message queue",
        title_zh="消息队列",
        statement="Asynchronous communication through message queues.",
        statement_zh="使用消息队列进行异步通信。",
        encoding="msatheory.communication.Broker",
        notebook=CALLS,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="5.3.1",
        title="Communication reliability",
        title_zh="通信可靠性",
        statement=(
            "Communication reliability is the probability that a message is delivered "
            "successfully."
        ),
        statement_zh="通信可靠性是消息成功传递的概率。",
        encoding="msatheory.communication.delivery_probability",
        notebook=FAILING,
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="5.3.1",
        title="Retry",
        title_zh="重试机制",
        statement="Retry automatically on failure, with exponential backoff.",
        statement_zh="失败时自动重试，使用指数退避策略。",
        encoding="msatheory.communication.Backoff",
        notebook=FAILING,
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="5.3.2",
        title="Circuit breaker",
        title_zh="熔断器模式",
        statement="When a service is unavailable, fail fast to avoid cascading failures.",
        statement_zh="当服务不可用时，快速失败，避免级联故障。",
        encoding="msatheory.communication.CircuitBreaker",
        notebook=FAILING,
    ),
    # 6.0 数据管理理论 -- data management
    Statement(
        kind=Kind.DEFINITION,
        number="6.1.1",
        title="Data consistency",
        title_zh="数据一致性",
        statement="Data consistency is the consistency of data state in a distributed system.",
        statement_zh="数据一致性是分布式系统中数据状态的一致性。",
        encoding="msatheory.data.History",
        notebook=REPLICAS,
        reading=(
            "Ours: consistency is judged on a history of reads and writes against a model "
            "(linearizable, sequential, read-your-writes, monotonic reads), with a witness "
            "when the history breaks it; a state alone cannot show it."
        ),
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="6.1.1",
        title="Eventual consistency",
        title_zh="最终一致性",
        statement=(
            "Temporary inconsistency is allowed, but the replicas eventually converge to a "
            "consistent state."
        ),
        statement_zh="允许临时不一致，但最终会收敛到一致状态。",
        encoding="msatheory.data.check_convergence",
        notebook=REPLICAS,
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="6.1.2",
        title="Strong consistency",
        title_zh="强一致性",
        statement="All nodes must see the same data state.",
        statement_zh="要求所有节点看到相同的数据状态。",
        encoding="msatheory.data.check_linearizable",
        notebook=REPLICAS,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="6.2.1",
        title="Sharding",
        title_zh="数据分片",
        statement="Data sharding is distributing data over several storage nodes.",
        statement_zh="数据分片是将数据分布到多个存储节点。",
        encoding="msatheory.data.Placement",
        notebook=SHARDING,
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="6.2.1",
        title="Horizontal sharding",
        title_zh="水平分片",
        statement="Split data by rows: different rows are stored on different nodes.",
        statement_zh="按行分割数据，不同行存储在不同节点。",
        encoding="msatheory.data.horizontal_shards",
        notebook=SHARDING,
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="6.2.2",
        title="Vertical sharding",
        title_zh="垂直分片",
        statement="Split data by columns: different columns are stored on different nodes.",
        statement_zh="按列分割数据，不同列存储在不同节点。",
        encoding="msatheory.data.VerticalSplit",
        notebook=SHARDING,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="6.3.1",
        title="Replication",
        title_zh="数据复制",
        statement="Data replication is copying data to several nodes.",
        statement_zh="数据复制是将数据复制到多个节点。",
        encoding="msatheory.data.check_replication",
        notebook=REPLICAS,
        reading=(
            "Ours: a single copy is a fact to report, not a violation; msatheory check "
            "reports each data store's copies and fails only settings that cannot work."
        ),
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="6.3.1",
        title="Primary-replica replication",
        title_zh="主从复制",
        statement="One primary node and several replica nodes.",
        statement_zh="一个主节点，多个从节点。",
        encoding="msatheory.data.PrimaryReplicaGroup",
        notebook=REPLICAS,
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="6.3.2",
        title="Peer-to-peer replication",
        title_zh="对等复制",
        statement="All nodes have equal standing.",
        statement_zh="所有节点地位平等。",
        encoding="msatheory.data.VersionVector",
        notebook=REPLICAS,
        reading=(
            "Ours: equal standing means every replica accepts writes, so concurrent writes "
            "must be detected (version vectors) or merged (CRDTs), not overwritten by a clock."
        ),
    ),
    # 7.0 部署与运维理论 -- deployment and operations
    Statement(
        kind=Kind.STRATEGY,
        number="7.1.1",
        title="Blue-green deployment",
        title_zh="蓝绿部署",
        statement="Keep two identical production environments and switch traffic between them.",
        statement_zh="维护两个相同的生产环境，切换流量。",
        encoding="msatheory.deployment.blue_green",
        notebook=RELEASES,
        reading=(
            "Ours: two identical environments are only worth their cost while the old one is "
            "kept: blue stays, scaled and reachable, until the new version has been judged, so "
            "the switch can go back."
        ),
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="7.1.2",
        title="Canary deployment",
        title_zh="金丝雀部署",
        statement="Shift traffic gradually from the old version to the new one.",
        statement_zh="逐步将流量从旧版本切换到新版本。",
        encoding="msatheory.deployment.flagger",
        notebook=RELEASES,
        reading=(
            "Ours: each step of traffic is judged (against thresholds or against a baseline of "
            "the old version), and a failed judgement rolls the traffic back by itself."
        ),
    ),
    Statement(
        kind=Kind.STRATEGY,
        number="7.1.3",
        title="Rolling deployment",
        title_zh="滚动部署",
        statement="Update service instances one at a time, keeping the service available.",
        statement_zh="逐个更新服务实例，保持服务可用。",
        encoding="msatheory.deployment.Deployment",
        notebook=RELEASES,
        reading=(
            "Ours: not one at a time but within bounds, as Kubernetes does: at most maxSurge "
            "pods above the desired count and at most maxUnavailable below it; the service "
            "stays available when the fewest available pods is at least one and a pod counts "
            "only once it is ready."
        ),
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="7.2.1",
        title="Monitoring metrics",
        title_zh="监控指标",
        statement=(
            "Monitoring metrics comprise performance metrics (response time, throughput), "
            "availability metrics (service availability, error rate) and resource metrics (CPU, "
            "memory and disk usage)."
        ),
        statement_zh=(
            "监控指标包括：性能指标（响应时间、吞吐量）；可用性指标（服务可用性、错误率）；"
            "资源指标（CPU、内存、磁盘使用率）。"
        ),
        encoding="msatheory.deployment.ServiceMetrics",
        notebook=OBSERVING,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="7.2.2",
        title="Alerting rule",
        title_zh="告警规则",
        statement="An alerting rule defines when an alert fires.",
        statement_zh="告警规则定义何时触发告警。",
        encoding="msatheory.deployment.AlertRule",
        notebook=OBSERVING,
        reading=(
            "Ours: a rule fires on how fast the error budget of a service level objective is "
            "burning, and is judged by its detection time, reset time, precision and recall."
        ),
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="7.3.1",
        title="Log aggregation",
        title_zh="日志聚合",
        statement="Collect and analyse the logs of a distributed system in one place.",
        statement_zh="将分布式系统的日志集中收集和分析。",
        encoding="msatheory.deployment.collect_logs",
        notebook=OBSERVING,
    ),
    Statement(
        kind=Kind.DEFINITION,
        number="7.3.2",
        title="Distributed tracing",
        title_zh="链路追踪",
        statement="Trace a request's path as it propagates between services.",
        statement_zh="追踪请求在服务间的传播路径。",
        encoding="msatheory.deployment.export_traces",
        notebook=OBSERVING,
    ),
    # 8.0 实践应用 -- practice
    Statement(
        kind=Kind.PATTERN,
        number="8.1.1",
        title="Aggregator",
        title_zh="聚合器模式",
        statement="Use the API gateway to aggregate the responses of several microservices.",
        statement_zh="使用API网关聚合多个微服务的响应。",
        encoding="msatheory.practice.fan_out_latency",
        notebook=PATTERNS,
        reading=(
            "Ours: the aggregator answers when the slowest of its calls has answered, so its "
            "latency is their maximum and its tail the sum of their tails; the pattern holds "
            "while no more than 5% of its requests wait on a slow call."
        ),
    ),
    Statement(
        kind=Kind.PATTERN,
        number="8.1.2",
        title="Proxy",
        title_zh="代理模式",
        statement=(
            "The API gateway acts as a proxy, forwarding requests to the appropriate service."
        ),
        statement_zh="API网关作为代理，转发请求到适当的服务。",
        encoding="msatheory.practice.proxied",
        notebook=PATTERNS,
        reading=(
            "Ours: a proxy is one more call in series, its latency added and its availability "
            "multiplied in; at the edge it earns that cost, and a service inside the system "
            "that only forwards is a violation."
        ),
    ),
    Statement(
        kind=Kind.PATTERN,
        number="8.1.3",
        title="Chain",
        title_zh="链式模式",
        statement="Services process a request in a chained sequence.",
        statement_zh="服务按链式顺序处理请求。",
        encoding="msatheory.practice.chain_latency",
        notebook=PATTERNS,
        reading=(
            "Ours: each service of a chain waits for the next, so the request's latency is "
            "the sum of the calls' and its availability their product; a chain holds while it "
            "keeps its availability target, and its latency budget and length when they are "
            "given."
        ),
    ),
    Statement(
        kind=Kind.PRACTICE,
        number="8.2.1",
        title="Service design",
        title_zh="服务设计",
        statement=(
            "Keep services small and focused; use domain-driven design; make services autonomous."
        ),
        statement_zh="保持服务小而专注；使用领域驱动设计；实现服务自治。",
        encoding="msatheory.practice.check_service_design",
        notebook=PATTERNS,
        reading=(
            "Ours: each part is decided by the checks of the chapters that encode it: small "
            "and focused by single responsibility and granularity, domain-driven by the "
            "separation of responsibilities, autonomous by chapter 1's autonomy, "
            "independence, fault isolation and independent scaling."
        ),
    ),
    Statement(
        kind=Kind.PRACTICE,
        number="8.2.2",
        title="Data management",
        title_zh="数据管理",
        statement=(
            "Every service owns its data; use an event-driven architecture; achieve eventual "
            "consistency."
        ),
        statement_zh="每个服务拥有自己的数据；使用事件驱动架构；实现最终一致性。",
        encoding="msatheory.practice.check_data_management",
        notebook=PATTERNS,
        reading=(
            "Ours: each service owns its data stores, services that own data tell others of "
            "their changes by events, and replicated data converges; a change and its event "
            "are written in one transaction, through an outbox."
        ),
    ),
    Statement(
        kind=Kind.PRACTICE,
        number="8.2.3",
        title="Deployment and operations",
        title_zh="部署运维",
        statement="Deploy in containers; automate deployment; build thorough monitoring.",
        statement_zh="使用容器化部署；实现自动化部署；建立完善的监控。",
        encoding="msatheory.practice.check_operations",
        notebook=PATTERNS,
        reading=(
            "Ours: every image names a version (a tag other than latest, or a digest), every "
            "workload declares its rollout strategy, and something collects metrics, traces "
            "and alerts."
        ),
    ),
)
