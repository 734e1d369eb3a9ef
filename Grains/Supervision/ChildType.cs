namespace ProcessGrid;

/// <summary>Whether a child is a worker or a supervisor (Erlang's <c>type</c> child spec field).</summary>
/// <remarks>The type sets the default shutdown (workers 5 s, supervisors infinity) and shows in counts and listings.</remarks>
public enum ChildType
{
    /// <summary>A process that does work.</summary>
    Worker,

    /// <summary>A supervisor: the root of a subtree of the supervision tree.</summary>
    Supervisor,
}
