namespace ProcessGrid.Runtime.Transport;

/// <summary>
/// The kind of a frame. Kinds below <see cref="FirstDataKind"/> belong to the transport (the handshake and probes);
/// the others carry the node's traffic and are handed to its <see cref="ITransportHandler"/>.
/// </summary>
internal enum FrameKind : byte
{
    /// <summary>Dialer → listener: protocol version, cluster, identity, role and a nonce.</summary>
    Hello = 1,

    /// <summary>Listener → dialer: identity, a nonce, and the proof that the listener knows the cookie.</summary>
    Challenge = 2,

    /// <summary>Dialer → listener: the proof that the dialer knows the cookie.</summary>
    Response = 3,

    /// <summary>Listener → dialer: the connection is open for traffic.</summary>
    Accept = 4,

    /// <summary>Either way during the handshake: the connection is refused, with the reason in words.</summary>
    Refuse = 5,

    /// <summary>A probe, answered by the peer's connection at once with <see cref="Pong"/> (the payload is echoed).</summary>
    Ping = 10,

    /// <summary>The answer to a <see cref="Ping"/>.</summary>
    Pong = 11,

    /// <summary>The first kind that carries node traffic.</summary>
    FirstDataKind = 32,

    /// <summary>A message to a process (<c>Pid ! Msg</c>).</summary>
    Message = 32,

    /// <summary>A cast to a process.</summary>
    Cast = 33,

    /// <summary>A call to a process, with a correlation id for its reply.</summary>
    Call = 34,

    /// <summary>The reply to a call, or its failure.</summary>
    Reply = 35,

    /// <summary>A message to a process registered under a name on the receiving node (<c>{Name, Node} ! Msg</c>).</summary>
    NamedMessage = 36,

    /// <summary>A call to a process registered under a name on the receiving node (<c>gen_server:call({Name, Node}, Req)</c>), answered with <see cref="Reply"/>.</summary>
    NamedCall = 37,

    /// <summary>A remote procedure call: run a function registered by name on the receiving node, answered with <see cref="Reply"/>.</summary>
    RpcCall = 38,

    /// <summary>A remote procedure cast: run a function registered by name on the receiving node, with no answer.</summary>
    RpcCast = 39,

    /// <summary>Link a process of the receiving node to a process of the sending node.</summary>
    Link = 40,

    /// <summary>Remove a link.</summary>
    Unlink = 41,

    /// <summary>An exit signal, through a link or from <c>exit/2</c>.</summary>
    Exit = 42,

    /// <summary>Monitor a process of the receiving node.</summary>
    Monitor = 43,

    /// <summary>Remove a monitor.</summary>
    Demonitor = 44,

    /// <summary>A monitored process exited: deliver <see cref="ProcessGrid.Down"/> to the process that monitors it.</summary>
    Down = 45,

    /// <summary>Spawn a process of a named type on the receiving node.</summary>
    Spawn = 50,

    /// <summary>The answer to a <see cref="Spawn"/>: the new pid, or why it failed.</summary>
    SpawnReply = 51,

    /// <summary>A membership view (a table snapshot) sent after a change (gossip).</summary>
    MembershipGossip = 60,

    /// <summary>A request to the membership table a development seed node keeps.</summary>
    MembershipRequest = 61,

    /// <summary>The answer to a <see cref="MembershipRequest"/>.</summary>
    MembershipResponse = 62,

    /// <summary>The answer to a <see cref="MembershipGossip"/>: the version of the view the receiver now has.</summary>
    MembershipGossipAck = 63,

    /// <summary>Client → node: send me the cluster view, now and whenever it changes (the node becomes the client's gateway).</summary>
    ClusterViewSubscribe = 70,

    /// <summary>Node → client: the membership view the node has (a table snapshot with its version).</summary>
    ClusterView = 71,

    /// <summary>Node → the seed of a development cluster: an operation on the global table the seed keeps (see <c>DevelopmentGlobalProtocol</c>).</summary>
    GlobalRequest = 80,

    /// <summary>Seed → node: the answer to a <see cref="GlobalRequest"/>.</summary>
    GlobalAnswer = 81,

    /// <summary>Seed → subscribed node: (a part of) the global names held when its subscription began.</summary>
    GlobalSnapshot = 82,

    /// <summary>Seed → subscribed node: one committed change of the global table.</summary>
    GlobalChange = 83,

    /// <summary>A message for every member of a process group on the receiving node (one frame per node, not per member).</summary>
    GroupBroadcast = 90,

    /// <summary>A message between the processes of one process-group scope on two nodes (discover, sync, update).</summary>
    GroupProtocol = 91,
}
