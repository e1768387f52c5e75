/**
 * The environment a deployed function starts in, as far as loading its module reads it: what Lambda sets
 * (the execution environment turns Powertools Tracer on), what ServiceFunction sets (Powertools settings,
 * `--enable-source-maps`), and the service's configuration with made-up but valid values. No credentials:
 * loading a module makes no AWS call.
 */
export function lambdaEnvironment(functionName: string): Record<string, string> {
  return {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    POWERTOOLS_SERVICE_NAME: 'logto-invitations',
    POWERTOOLS_METRICS_NAMESPACE: 'LogtoInvitations',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_LOGGER_LOG_EVENT: 'false',
    POWERTOOLS_TRACER_CAPTURE_RESPONSE: 'false',
    NODE_OPTIONS: '--enable-source-maps',
    TABLE_NAME: 'invitations',
    LOGTO_ENDPOINT: 'https://acme.logto.app',
    ADMIN_AUDIENCE: 'https://invitations.acme.com/api',
    LANDING_URL: 'https://app.acme.com/landing',
    ACCEPT_URL: 'https://invitations.acme.com/v1/accept',
    SES_FROM: 'invitations@acme.com',
    SES_CONFIGURATION_SET: 'invitations',
    M2M_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:m2m',
    WEBHOOK_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hook',
    JOB_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/jobs',
    JOB_MAX_RECEIVES: '5',
    LIFECYCLE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:lifecycle',
  };
}
