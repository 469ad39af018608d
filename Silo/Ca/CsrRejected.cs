namespace Mesh.Silo.Ca;

/// <summary>Why a CSR was refused: the caller's fault in what it sent, or an identity it has not proven.</summary>
public enum CsrProblem
{
    Malformed,
    BadSignature,
    BadSubjectAltNames,
    NotYourIdentity,
}

/// <summary>A CSR the CA will not sign; the message says what was wrong with it, for the caller.</summary>
public sealed class CsrRejectedException(CsrProblem problem, string message) : Exception(message)
{
    public CsrProblem Problem { get; } = problem;
}
