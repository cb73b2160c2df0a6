// Re-export the published SDK unchanged; define only what c8ctl imports and
// 9.1.5 does not have.
export * from 'camunda-sdk-9';
export { default } from 'camunda-sdk-9';

const id = (name) => ({
  assumeExists(value) {
    if (typeof value !== 'string' || value === '') throw new Error(`${name} must be a non-empty string`);
    return value;
  },
  getValue: (value) => value,
  isValid: (value) => typeof value === 'string' && value !== '',
});

export const GroupId = id('GroupId');
export const MappingRuleId = id('MappingRuleId');
export const RoleId = id('RoleId');
export const WaitStateTypeEnum = Object.freeze({
  JOB: 'JOB', USER_TASK: 'USER_TASK', MESSAGE: 'MESSAGE', TIMER: 'TIMER', SIGNAL: 'SIGNAL',
});
