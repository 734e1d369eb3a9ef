namespace ProcessGrid;

/// <summary>What a supervisor keeps about one child: its spec, its process if running, and its restart state.</summary>
/// <remarks>Owned by the supervisor process: only its code reads or changes it, one message at a time.</remarks>
internal sealed class SupervisedChild(ChildSpec spec, IReadOnlyList<object> args)
{
    /// <summary>The child's spec (for a dynamic child: the supervisor's template).</summary>
    public ChildSpec Spec { get; } = spec;

    /// <summary>The extra start arguments of a dynamic child (empty for a static one), given again on each restart.</summary>
    public IReadOnlyList<object> Args { get; } = args;

    /// <summary>The running process, linked to the supervisor; null while the child is not running.</summary>
    public Pid? Pid { get; set; }

    /// <summary>The pid it ran as last; names a dynamic child while it is being restarted.</summary>
    public Pid? LastPid { get; set; }

    /// <summary>True after a failed restart, until the retry starts it (Erlang's <c>{restarting, OldPid}</c>).</summary>
    public bool Restarting { get; set; }

    public string Id => Spec.Id;

    public override string ToString() => Pid is null ? Id : $"{Id} ({Pid})";
}
