namespace ProcessGrid;

/// <summary>A message that could not be delivered, and why.</summary>
/// <param name="Target">The process (or name) it was addressed to.</param>
/// <param name="MessageType">The full name of the message's type.</param>
/// <param name="Reason">Why it was not delivered, in words (for example "noproc: no such process").</param>
/// <param name="At">When it was given up.</param>
public sealed record DeadLetter(string Target, string MessageType, string Reason, DateTimeOffset At);
