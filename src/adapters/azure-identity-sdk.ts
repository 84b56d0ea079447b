/**
 * The Entra SDK's credentials, imported statically here and this module imported dynamically
 * (azure-credential.ts): in the CommonJS bundle the CLI runs through the code cache, a static
 * import of an external package becomes a plain `require`, where an `import()` of it would go
 * through node:vm's experimental main-context loader and print an ExperimentalWarning.
 */
export { AzureCliCredential, DefaultAzureCredential, EnvironmentCredential, ManagedIdentityCredential } from '@azure/identity';
