namespace ProcessGrid;

/// <summary>
/// How a supervisor supervises (Erlang's supervisor flags plus its child specifications): the restart strategy, the
/// children in start order, and the restart intensity (at most <see cref="Intensity"/> restarts in any
/// <see cref="Period"/>).
/// </summary>
/// <remarks>
/// <para>Children start in list order and are terminated in reverse order. For <see cref="RestartStrategy.SimpleOneForOne"/>
/// the list holds exactly one spec, the template of the dynamic children, and nothing starts with the supervisor.</para>
/// <para>When more than <see cref="Intensity"/> restarts happen within <see cref="Period"/>, the supervisor gives up: it
/// terminates all its children and exits with reason <c>shutdown</c>, and its own supervisor then acts on that. This
/// keeps a child that fails at once on every start from looping forever and moves the failure up the tree.</para>
/// </remarks>
/// <param name="Strategy">What is restarted when a child exits.</param>
/// <param name="Children">The child specs in start order (for <see cref="RestartStrategy.SimpleOneForOne"/>: the one template).</param>
public sealed record SupervisorSpec(RestartStrategy Strategy, IReadOnlyList<ChildSpec> Children)
{
    /// <summary>The most restarts allowed within <see cref="Period"/>; 1 by default (Erlang's <c>intensity</c>). Zero allows none.</summary>
    public int Intensity { get; init; } = 1;

    /// <summary>The window the restarts are counted in; 5 seconds by default (Erlang's <c>period</c>).</summary>
    public TimeSpan Period { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Checks the spec.</summary>
    /// <exception cref="ArgumentException">
    /// The strategy is unknown, a child is null, two children share an id, a <see cref="RestartStrategy.SimpleOneForOne"/>
    /// spec does not hold exactly one child, the intensity is negative or the period not positive.
    /// </exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Strategy))
        {
            throw new ArgumentException($"Unknown restart strategy {(int)Strategy}.", nameof(Strategy));
        }
        if (Children is null)
        {
            throw new ArgumentException("A supervisor spec needs a list of children (it may be empty).", nameof(Children));
        }
        if (Intensity < 0)
        {
            throw new ArgumentException($"The restart intensity is zero or more (got {Intensity}).", nameof(Intensity));
        }
        if (Period <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The restart period is positive (got {Period}).", nameof(Period));
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var child in Children)
        {
            if (child is null)
            {
                throw new ArgumentException("A supervisor spec's children cannot be null.", nameof(Children));
            }
            if (!ids.Add(child.Id))
            {
                throw new ArgumentException($"Two children of the supervisor spec have the id '{child.Id}'; ids are unique within a supervisor.", nameof(Children));
            }
        }
        if (Strategy == RestartStrategy.SimpleOneForOne && Children.Count != 1)
        {
            throw new ArgumentException(
                $"A simple_one_for_one supervisor has exactly one child spec, the template of its dynamic children (got {Children.Count}).", nameof(Children));
        }
    }
}
