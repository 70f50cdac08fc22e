"""The 59 numbered statements of the theory document, in the theory's order."""

from __future__ import annotations

from msatheory.theory.statement import Kind, Statement

_NB1 = "notebooks/01_basics.ipynb"
_NB2 = "notebooks/02_design.ipynb"
_NB3 = "notebooks/03_discovery.ipynb"
_NB90 = "notebooks/90_check_a_system.ipynb"  # until chapter 4 teaches it

D, A, F, P, T = Kind.DEFINITION, Kind.AXIOM, Kind.FEATURE, Kind.PRINCIPLE, Kind.THEOREM
AL, PA, FN, PR, ST, PC = (
    Kind.ALGORITHM,
    Kind.PATTERN,
    Kind.FUNCTION,
    Kind.PROTOCOL,
    Kind.STRATEGY,
    Kind.PRACTICE,
)

STATEMENTS: tuple[Statement, ...] = (
    # 1.0 微服务基础理论 -- basics
    Statement(
        D, "1.1.1", "Microservice", "微服务",
        r"A microservice system is a quadruple $\mathcal{MS} = (S, I, D, N)$: $S$ the services, "
        r"$I$ the interfaces, $D$ the data, $N$ the network topology.",
        r"微服务是一个四元组 $\mathcal{MS} = (S, I, D, N)$，其中：$S$ 是服务集合，$I$ 是接口集合，"
        r"$D$ 是数据集合，$N$ 是网络拓扑。",
        "msatheory.basics.Microservice", _NB1,
    ),
    Statement(
        D, "1.1.2", "Microservice architecture", "微服务架构",
        r"A microservice architecture is a quintuple $\mathcal{MSA} = (S, C, N, D, M)$: $S$ the "
        r"services, $C$ the communication mechanisms, $N$ the network layer, $D$ the data layer, "
        r"$M$ the monitoring layer.",
        r"微服务架构是一个五元组 $\mathcal{MSA} = (S, C, N, D, M)$，其中："
        r"$S$ 是服务集合，$C$ 是通信机制，"
        r"$N$ 是网络层，$D$ 是数据层，$M$ 是监控层。",
        "msatheory.basics.Architecture", _NB1,
    ),
    Statement(
        A, "1.1.1", "Independence", "微服务独立性",
        r"Every microservice $s \in S$ can be deployed, scaled and replaced independently.",
        r"每个微服务 $s \in S$ 可以独立部署、扩展和替换。",
        "msatheory.basics.check_independence", _NB1,
    ),
    Statement(
        F, "1.2.1", "Autonomy", "服务自治",
        "Every service owns its data store and its business logic.",
        "每个服务拥有自己的数据存储和业务逻辑。",
        "msatheory.basics.check_autonomy", _NB1,
    ),
    Statement(
        F, "1.2.2", "Technology diversity", "技术多样性",
        "Different services may use different technology stacks.",
        "不同服务可以使用不同的技术栈。",
        "msatheory.basics.check_technology_diversity", _NB1,
    ),
    Statement(
        F, "1.2.3", "Fault isolation", "故障隔离",
        "The failure of a single service does not bring down the whole system.",
        "单个服务的故障不会影响整个系统。",
        "msatheory.basics.check_fault_isolation", _NB1,
    ),
    Statement(
        F, "1.2.4", "Independent scaling", "独立扩展",
        "Every service can be scaled independently, according to its own load.",
        "每个服务可以根据负载独立扩展。",
        "msatheory.basics.check_independent_scaling", _NB1,
    ),
    # 2.0 微服务设计原则 -- design principles
    Statement(
        P, "2.1.1", "Single responsibility", "单一职责",
        "Every microservice should be responsible for exactly one business function or domain.",
        "每个微服务应该只负责一个业务功能或领域。",
        "msatheory.design.check_single_responsibility", _NB2,
    ),
    Statement(
        D, "2.1.1", "Service boundary", "服务边界",
        r"A service boundary is a function $B: S \to 2^F$ mapping each service to its set of "
        r"functions.",
        r"服务边界是一个函数 $B: S \to 2^F$，将服务映射到其功能集合。",
        "msatheory.design.Boundary", _NB2,
    ),
    Statement(
        T, "2.1.1", "Separation of responsibilities", "职责分离",
        r"For any two services $s_1, s_2 \in S$, if $s_1 \neq s_2$ then "
        r"$B(s_1) \cap B(s_2) = \emptyset$.",
        r"对于任意两个服务 $s_1, s_2 \in S$，如果 $s_1 \neq s_2$，"
        r"则 $B(s_1) \cap B(s_2) = \emptyset$。",
        "msatheory.design.check_separation", _NB2,
    ),
    Statement(
        D, "2.2.1", "Domain", "领域",
        r"A domain is a triple $\mathcal{D} = (E, R, B)$: $E$ the entities, $R$ the relations, "
        r"$B$ the business rules.",
        r"领域是一个三元组 $\mathcal{D} = (E, R, B)$，其中：$E$ 是实体集合，$R$ 是关系集合，"
        r"$B$ 是业务规则集合。",
        "msatheory.design.Domain", _NB2,
    ),
    Statement(
        D, "2.2.2", "Bounded context", "限界上下文",
        r"A bounded context is a quadruple $\mathcal{BC} = (D, L, I, O)$: $D$ the domain model, "
        r"$L$ the language, $I$ the input interface, $O$ the output interface.",
        r"限界上下文是一个四元组 $\mathcal{BC} = (D, L, I, O)$，其中：$D$ 是领域模型，$L$ 是语言，"
        r"$I$ 是输入接口，$O$ 是输出接口。",
        "msatheory.design.BoundedContext", _NB2,
    ),
    Statement(
        D, "2.3.1", "Service granularity", "服务粒度",
        r"Service granularity measures a service's complexity: "
        r"$G(s) = |B(s)| + |I(s)| + |D(s)|$, with $I(s)$ its interfaces and $D(s)$ its data "
        r"entities.",
        r"服务粒度是服务复杂度的度量，定义为 $G(s) = |B(s)| + |I(s)| + |D(s)|$，"
        r"其中 $I(s)$ 是接口数量，$D(s)$ 是数据实体数量。",
        "msatheory.design.granularity", _NB2,
    ),
    Statement(
        P, "2.3.1", "Proper granularity", "适当粒度",
        "Service granularity should be moderate: not so coarse that it couples, not so fine that "
        "it makes the system needlessly complex.",
        "服务粒度应该适中，既不过大导致耦合，也不过小导致过度复杂。",
        "msatheory.design.check_granularity", _NB2,
    ),
    # 3.0 服务发现理论 -- service discovery
    Statement(
        D, "3.1.1", "Service registration", "服务注册",
        r"A service registration is a triple $\mathcal{SR} = (R, S, T)$: $R$ the registry, "
        r"$S$ the services, $T$ the timestamp.",
        r"服务注册是一个三元组 $\mathcal{SR} = (R, S, T)$，其中：$R$ 是注册表，$S$ 是服务集合，"
        r"$T$ 是时间戳。",
        "msatheory.discovery.Registration", _NB3,
    ),
    Statement(
        D, "3.1.2", "Service instance", "服务实例",
        r"A service instance is a quadruple $\mathcal{SI} = (ID, URL, Status, Metadata)$: "
        r"the instance identifier, the service address, the instance status and its metadata.",
        r"服务实例是一个四元组 $\mathcal{SI} = (ID, URL, Status, Metadata)$，其中："
        r"$ID$ 是实例标识，"
        r"$URL$ 是服务地址，$Status$ 是实例状态，$Metadata$ 是元数据。",
        "msatheory.discovery.Instance", _NB3,
    ),
    Statement(
        AL, "3.2.1", "Service discovery", "服务发现算法",
        "Look up the instances of the named service in the registry; if there are none, fail "
        "with 'service not found'; otherwise let the load balancer select one and return it.",
        "instances = registry.lookup(serviceName)；若为空则返回错误 \"Service not found\"；"
        "否则由负载均衡器选择实例并返回。",
        "msatheory.discovery.discover", _NB3,
    ),
    Statement(
        AL, "3.2.2", "Health check", "健康检查算法",
        "For every instance in the registry: if the instance is not healthy, deregister it.",
        "对注册表中的每个实例：如果实例不健康，则从注册表注销它。",
        "msatheory.discovery.HealthChecker", _NB3,
    ),
    Statement(
        PA, "3.3.1", "Client-side discovery", "客户端发现",
        "The client queries the service registry itself and selects a service instance.",
        "客户端直接查询服务注册表，选择服务实例。",
        "msatheory.discovery.ClientSideDiscovery", _NB3,
    ),
    Statement(
        PA, "3.3.2", "Server-side discovery", "服务端发现",
        "The client reaches services through a load balancer, which performs the discovery.",
        "客户端通过负载均衡器访问服务，负载均衡器负责服务发现。",
        "msatheory.discovery.ServerSideDiscovery", _NB3,
    ),
    # 4.0 API网关理论 -- API gateway
    Statement(
        D, "4.1.1", "API gateway", "API网关",
        r"An API gateway is a quadruple $\mathcal{AG} = (R, P, L, S)$: $R$ the routing rules, "
        r"$P$ the policies, $L$ the load balancer, $S$ the security mechanism.",
        r"API网关是一个四元组 $\mathcal{AG} = (R, P, L, S)$，其中：$R$ 是路由规则，$P$ 是策略集合，"
        r"$L$ 是负载均衡器，$S$ 是安全机制。",
    ),
    Statement(
        D, "4.1.2", "Routing rule", "路由规则",
        r"A routing rule is a function $f: \text{Request} \to \text{Service}$ mapping each request "
        r"to its target service.",
        r"路由规则是一个函数 $f: \text{Request} \to \text{Service}$，将请求映射到目标服务。",
    ),
    Statement(
        FN, "4.2.1", "Routing", "路由",
        "Route client requests to the appropriate microservice.",
        "将客户端请求路由到适当的微服务。",
    ),
    Statement(
        FN, "4.2.2", "Aggregation", "聚合",
        "Aggregate the responses of several microservices into a single response.",
        "将多个微服务的响应聚合为单个响应。",
    ),
    Statement(
        FN, "4.2.3", "Authentication", "认证",
        "Verify the client's identity and permissions.",
        "验证客户端身份和权限。",
    ),
    Statement(
        FN, "4.2.4", "Rate limiting", "限流",
        "Control the request rate to prevent overload.",
        "控制请求频率，防止过载。",
    ),
    Statement(
        PA, "4.3.1", "Single entry point", "单点入口",
        "Every client request passes through the API gateway.",
        "所有客户端请求都通过API网关。",
        "msatheory.gateway.check_single_entry", _NB90,
    ),
    Statement(
        PA, "4.3.2", "Backend for frontend (BFF)", "BFF模式",
        "Provide a dedicated gateway for each type of client.",
        "为不同客户端类型提供专门的网关。",
    ),
    # 5.0 服务通信理论 -- communication
    Statement(
        PA, "5.1.1", "Synchronous communication", "同步通信",
        "The client waits for the service's response, over HTTP/REST or gRPC.",
        "客户端等待服务响应，使用HTTP/REST或gRPC。",
    ),
    Statement(
        PA, "5.1.2", "Asynchronous communication", "异步通信",
        "The client does not wait for a response; it uses a message queue or an event bus.",
        "客户端不等待响应，使用消息队列或事件总线。",
    ),
    Statement(
        PA, "5.1.3", "Event-driven communication", "事件驱动",
        "Services communicate through events, which decouples their dependencies.",
        "服务通过事件进行通信，解耦服务间依赖。",
    ),
    Statement(
        PR, "5.2.1", "REST", "REST",
        "RESTful APIs over HTTP, with JSON payloads.",
        "基于HTTP的RESTful API，使用JSON格式。",
    ),
    Statement(
        PR, "5.2.2", "gRPC", "gRPC",
        "An RPC framework over HTTP/2, with Protocol Buffers.",
        "基于HTTP/2的RPC框架，使用Protocol Buffers。",
    ),
    Statement(
        PR, "5.2.3", "Message queue", "消息队列",
        "Asynchronous communication through message queues.",
        "使用消息队列进行异步通信。",
    ),
    Statement(
        D, "5.3.1", "Communication reliability", "通信可靠性",
        "Communication reliability is the probability that a message is delivered successfully.",
        "通信可靠性是消息成功传递的概率。",
    ),
    Statement(
        ST, "5.3.1", "Retry", "重试机制",
        "Retry automatically on failure, with exponential backoff.",
        "失败时自动重试，使用指数退避策略。",
    ),
    Statement(
        ST, "5.3.2", "Circuit breaker", "熔断器模式",
        "When a service is unavailable, fail fast to avoid cascading failures.",
        "当服务不可用时，快速失败，避免级联故障。",
    ),
    # 6.0 数据管理理论 -- data management
    Statement(
        D, "6.1.1", "Data consistency", "数据一致性",
        "Data consistency is the agreement of data state across a distributed system.",
        "数据一致性是分布式系统中数据状态的一致性。",
    ),
    Statement(
        ST, "6.1.1", "Eventual consistency", "最终一致性",
        "Temporary inconsistency is allowed, but the replicas eventually converge to a consistent "
        "state.",
        "允许临时不一致，但最终会收敛到一致状态。",
    ),
    Statement(
        ST, "6.1.2", "Strong consistency", "强一致性",
        "All nodes must see the same data state.",
        "要求所有节点看到相同的数据状态。",
    ),
    Statement(
        D, "6.2.1", "Sharding", "数据分片",
        "Sharding distributes data across several storage nodes.",
        "数据分片是将数据分布到多个存储节点。",
    ),
    Statement(
        ST, "6.2.1", "Horizontal sharding", "水平分片",
        "Split data by rows: different rows are stored on different nodes.",
        "按行分割数据，不同行存储在不同节点。",
    ),
    Statement(
        ST, "6.2.2", "Vertical sharding", "垂直分片",
        "Split data by columns: different columns are stored on different nodes.",
        "按列分割数据，不同列存储在不同节点。",
    ),
    Statement(
        D, "6.3.1", "Replication", "数据复制",
        "Replication copies data to several nodes.",
        "数据复制是将数据复制到多个节点。",
    ),
    Statement(
        ST, "6.3.1", "Primary-replica replication", "主从复制",
        "One primary node and several replica nodes.",
        "一个主节点，多个从节点。",
    ),
    Statement(
        ST, "6.3.2", "Peer-to-peer replication", "对等复制",
        "All nodes have equal standing.",
        "所有节点地位平等。",
    ),
    # 7.0 部署与运维理论 -- deployment and operations
    Statement(
        ST, "7.1.1", "Blue-green deployment", "蓝绿部署",
        "Keep two identical production environments and switch traffic between them.",
        "维护两个相同的生产环境，切换流量。",
    ),
    Statement(
        ST, "7.1.2", "Canary deployment", "金丝雀部署",
        "Shift traffic gradually from the old version to the new one.",
        "逐步将流量从旧版本切换到新版本。",
    ),
    Statement(
        ST, "7.1.3", "Rolling deployment", "滚动部署",
        "Update service instances one at a time, keeping the service available.",
        "逐个更新服务实例，保持服务可用。",
    ),
    Statement(
        D, "7.2.1", "Monitoring metrics", "监控指标",
        "Monitoring metrics comprise performance metrics (response time, throughput), "
        "availability metrics (service availability, error rate) and resource metrics "
        "(CPU, memory and disk usage).",
        "监控指标包括：性能指标（响应时间、吞吐量）；可用性指标（服务可用性、错误率）；"
        "资源指标（CPU、内存、磁盘使用率）。",
    ),
    Statement(
        D, "7.2.2", "Alerting rule", "告警规则",
        "An alerting rule defines when an alert fires.",
        "告警规则定义何时触发告警。",
    ),
    Statement(
        D, "7.3.1", "Log aggregation", "日志聚合",
        "Collect and analyse the logs of a distributed system in one place.",
        "将分布式系统的日志集中收集和分析。",
    ),
    Statement(
        D, "7.3.2", "Distributed tracing", "链路追踪",
        "Trace a request's path as it propagates between services.",
        "追踪请求在服务间的传播路径。",
    ),
    # 8.0 实践应用 -- practice
    Statement(
        PA, "8.1.1", "Aggregator", "聚合器模式",
        "Use the API gateway to aggregate the responses of several microservices.",
        "使用API网关聚合多个微服务的响应。",
    ),
    Statement(
        PA, "8.1.2", "Proxy", "代理模式",
        "The API gateway acts as a proxy, forwarding requests to the appropriate service.",
        "API网关作为代理，转发请求到适当的服务。",
    ),
    Statement(
        PA, "8.1.3", "Chain", "链式模式",
        "Services process a request in a chained sequence.",
        "服务按链式顺序处理请求。",
    ),
    Statement(
        PC, "8.2.1", "Service design", "服务设计",
        "Keep services small and focused; use domain-driven design; make services autonomous.",
        "保持服务小而专注；使用领域驱动设计；实现服务自治。",
    ),
    Statement(
        PC, "8.2.2", "Data management", "数据管理",
        "Every service owns its data; use an event-driven architecture; achieve eventual "
        "consistency.",
        "每个服务拥有自己的数据；使用事件驱动架构；实现最终一致性。",
    ),
    Statement(
        PC, "8.2.3", "Deployment and operations", "部署运维",
        "Deploy in containers; automate deployment; build thorough monitoring.",
        "使用容器化部署；实现自动化部署；建立完善的监控。",
    ),
)
