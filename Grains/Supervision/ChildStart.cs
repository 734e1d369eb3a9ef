namespace ProcessGrid;

/// <summary>
/// Starts one child of a supervisor (Erlang's <c>start</c> child spec field, <c>{M, F, A}</c>): it runs inside the
/// supervisor's process and returns the pid of a new process <b>linked</b> to the supervisor, typically with
/// <c>supervisor.StartLinkAsync&lt;TProcess&gt;(...)</c> or <c>supervisor.SpawnLink(...)</c>.
/// </summary>
/// <param name="supervisor">The supervisor's own context: spawn and link through it.</param>
/// <param name="extraArgs">
/// For a <see cref="RestartStrategy.SimpleOneForOne"/> child, the arguments given to <c>StartChildAsync</c> (kept and
/// given again on each restart of that child); empty otherwise.
/// </param>
/// <returns>The linked child's pid.</returns>
/// <remarks>
/// A start that throws fails: <see cref="ProcessStartException"/> keeps its reason, any other exception becomes the
/// reason. The supervisor waits for the start to return, and handles no other message meanwhile.
/// </remarks>
public delegate ValueTask<Pid> ChildStart(IProcessContext supervisor, IReadOnlyList<object> extraArgs);
