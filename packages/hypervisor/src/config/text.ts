// Config files in any of the formats Serval reads: JSON, YAML, or Palacios-style XML. The format
// comes from the file's extension, else from its first character; every format ends in the same
// validating schema, so errors name the same key paths whichever was written.
import { DEVICE_CLASSES } from '../devices/attach.js';
import { ConfigError } from '../errors.js';
import { palaciosXmlToConfig } from './palacios-xml.js';
import { parseVmConfig, type VmConfig } from './vm-config.js';
import { parseXml } from './xml.js';
import { parseYaml } from './yaml.js';

export type ConfigFormat = 'json' | 'yaml' | 'xml';

export function configFormat(text: string, file = ''): ConfigFormat {
  const ext = /\.([a-z]+)$/i.exec(file)?.[1]?.toLowerCase();
  if (ext === 'json') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'xml') return 'xml';
  const first = text.replace(/^\uFEFF/, '').trimStart()[0];
  if (first === '<') return 'xml';
  if (first === '{') return 'json';
  return 'yaml';
}

/** The raw (unvalidated) config a text holds. */
export function readConfigText(text: string, file = 'config', format = configFormat(text, file)): unknown {
  switch (format) {
    case 'json':
      try {
        return JSON.parse(text);
      } catch (e) {
        throw new ConfigError('', `${file} is not valid JSON: ${(e as Error).message}`);
      }
    case 'yaml': return parseYaml(text, file);
    case 'xml': return palaciosXmlToConfig(parseXml(text, file), DEVICE_CLASSES);
  }
}

/** Parses config text (JSON, YAML or Palacios XML), with the file name in errors. */
export function parseVmConfigText(text: string, file = 'config', format?: ConfigFormat): VmConfig {
  return parseVmConfig(readConfigText(text, file, format));
}
