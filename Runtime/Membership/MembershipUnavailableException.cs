namespace ProcessGrid.Runtime.Membership;

/// <summary>
/// The membership store could not be reached or did not answer (database down, network failure). Membership waits and
/// retries: nothing is declared dead and no node joins meanwhile, while running nodes keep serving messages.
/// </summary>
internal sealed class MembershipUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
