namespace ProcessGrid;

/// <summary>
/// What a supervisor does when one of its children exits and is to be restarted (Erlang's supervisor strategies).
/// </summary>
public enum RestartStrategy
{
    /// <summary><c>one_for_one</c>: only the child that exited is restarted; its siblings are not touched.</summary>
    OneForOne,

    /// <summary>
    /// <c>one_for_all</c>: the other children are terminated (in reverse start order), then all children are started
    /// again in start order. For children that depend on each other so much that one cannot run without the rest.
    /// </summary>
    OneForAll,

    /// <summary>
    /// <c>rest_for_one</c>: the children started after the one that exited are terminated (in reverse start order), then
    /// it and they are started again in start order. For children where each depends on the ones started before it.
    /// </summary>
    RestForOne,

    /// <summary>
    /// <c>simple_one_for_one</c>: a <c>one_for_one</c> supervisor of dynamic children that all run one template
    /// <see cref="ChildSpec"/>; none starts with the supervisor, each is added with arguments by
    /// <c>StartChildAsync(supervisor, args)</c>. At shutdown they are terminated together, not in order.
    /// </summary>
    SimpleOneForOne,
}
