export { AcpiPm, ACPI_PM, ACPI_PM_BASE, PM_TIMER_HZ, SLP_TYP_S5, type AcpiPmOptions } from './acpi-pm.js';
