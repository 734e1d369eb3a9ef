namespace ProcessGrid;

/// <summary>What a process is doing (Erlang's <c>process_info(Pid, status)</c>).</summary>
public enum ProcessStatus
{
    /// <summary>Waiting for a message.</summary>
    Waiting,

    /// <summary>Scheduled to run: it has messages and waits for a thread.</summary>
    Runnable,

    /// <summary>Running its code now (or awaiting something other than a message, such as a call's reply).</summary>
    Running,

    /// <summary>Exiting: it has exited and its links and monitors are being signalled.</summary>
    Exiting,
}
