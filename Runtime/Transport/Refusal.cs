namespace ProcessGrid.Runtime.Transport;

/// <summary>Why a listener refused a connection: a code the dialer can act on, and the reason in words for its log.</summary>
/// <param name="Code">What kind of refusal.</param>
/// <param name="Reason">The reason, in words.</param>
internal sealed record Refusal(RefusalCode Code, string Reason)
{
    /// <summary>A refusal the dialer can only log.</summary>
    public static Refusal Other(string reason) => new(RefusalCode.Other, reason);
}

/// <summary>The kinds of refusal a dialer acts on.</summary>
internal enum RefusalCode : byte
{
    /// <summary>Anything else (another cluster, a lost simultaneous connect, a failed cookie proof): log it.</summary>
    Other = 0,

    /// <summary>
    /// The dialer's identity was declared dead (or replaced by a newer creation) in the listener's view of the
    /// membership table: the dialer must stop, as Orleans' silos do when they find themselves dead.
    /// </summary>
    DeclaredDead = 1,

    /// <summary>
    /// The listener keeps a connection of its own to the dialer (open, or being opened; Erlang's <c>nok</c>): the dialer
    /// should use that one rather than give up on the node.
    /// </summary>
    ListenerConnects = 2,
}
