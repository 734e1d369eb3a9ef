namespace ProcessGrid;

/// <summary>A supervisor's children counted (Erlang's <c>count_children</c>).</summary>
/// <param name="Specs">Child specs, running or not (for <see cref="RestartStrategy.SimpleOneForOne"/>: 1, the template).</param>
/// <param name="Active">Children whose process is running.</param>
/// <param name="Supervisors">Children of type <see cref="ChildType.Supervisor"/>, running or not.</param>
/// <param name="Workers">Children of type <see cref="ChildType.Worker"/>, running or not.</param>
public sealed record ChildCounts(int Specs, int Active, int Supervisors, int Workers);
