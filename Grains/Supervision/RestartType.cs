namespace ProcessGrid;

/// <summary>When a supervisor restarts a child that exited (Erlang's <c>restart</c> child spec field).</summary>
public enum RestartType
{
    /// <summary><c>permanent</c>: always restarted, whatever the exit reason.</summary>
    Permanent,

    /// <summary>
    /// <c>transient</c>: restarted only when it exits abnormally, that is with a reason other than <c>normal</c>,
    /// <c>shutdown</c> or <c>{shutdown, Detail}</c>.
    /// </summary>
    Transient,

    /// <summary>
    /// <c>temporary</c>: never restarted; when it exits (or is terminated) its spec is removed from the supervisor, and
    /// a <c>one_for_all</c> or <c>rest_for_one</c> restart of its siblings does not start it again.
    /// </summary>
    Temporary,
}
