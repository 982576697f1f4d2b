/**
 * The audit log filters of HsmAuditLogs (src/audit-logs.ts), by the values of its HsmAuditEvent enum
 * (kept as strings here: the enum's module imports this one). From the documented audit log format
 * (AWS CloudHSM user guide, "Interpreting AWS CloudHSM audit logs", "AWS CloudHSM audit log reference").
 */

/** The opcodes of each event kind (audit log reference) and the filter that counts them. */
const OPCODES: Record<string, string[]> = {
  FAILED_LOGINS: ['CN_LOGIN'],
  USER_MANAGEMENT: ['CN_CREATE_USER', 'CN_CREATE_CO', 'CN_DELETE_USER', 'CN_CHANGE_PSWD', 'CN_SET_M_VALUE'],
  KEY_MANAGEMENT: ['CN_GENERATE_KEY', 'CN_GENERATE_KEY_PAIR', 'CN_CREATE_OBJECT', 'CN_MODIFY_OBJECT', 'CN_DESTROY_OBJECT',
    'CN_TOMBSTONE_OBJECT', 'CN_SHARE_OBJECT', 'CN_WRAP_KEY', 'CN_UNWRAP_KEY', 'CN_DERIVE_KEY'],
};
/** A successful command's response, as the audit log prints it. */
const SUCCESS = 'HSM Return: SUCCESS';

/**
 * The CloudWatch Logs filter pattern of an event kind: audit events are text, so the pattern is
 * quoted terms (`?` any of them; `-` none of them). `"Opcode : CN_LOGIN "` does not match CN_LOGOUT.
 */
export function auditFilterPattern(event: string): string {
  const terms = OPCODES[event].map((op) => `"Opcode : ${op} "`);
  if (event === 'FAILED_LOGINS') return `${terms[0]} -"${SUCCESS}"`;
  return terms.map((t) => `?${t}`).join(' ');
}

/** The name of the log group CloudHSM writes a cluster's audit logs to: one stream per HSM. */
export const auditLogGroupName = (clusterId: string) => `/aws/cloudhsm/${clusterId}`;

