namespace ProcessGrid.Runtime.Timers;

/// <summary>A message to send when the timer fires (<c>erlang:send_after/3</c>).</summary>
internal sealed class SendAfterTimer(ProcessNode node, Pid to, object message) : TimerEntry
{
    /// <summary>The destination.</summary>
    public Pid To => to;

    /// <inheritdoc />
    protected override void Fire()
    {
        // As in Erlang, a timer to a local process that has exited is cancelled rather than turned into a dead letter.
        if (node.IsExitedLocalProcess(to))
        {
            return;
        }
        node.Send(to, message);
    }
}
