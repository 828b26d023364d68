/**
 * GitHub Actions workflow commands (`::error file=…,line=…::message`), escaped as the
 * runner unescapes them (actions/toolkit, packages/core/src/command.ts): in the message
 * `%`, CR and LF; in property values also `:` and `,`, which would otherwise end the
 * value. Escaped this way, no text from a manifest can end a command early or start
 * another one.
 */
export type AnnotationLevel = 'error' | 'warning' | 'notice'

export interface Annotation {
  level: AnnotationLevel
  message: string
  file?: string
  line?: number
  col?: number
  endLine?: number
  endColumn?: number
  title?: string
}

export function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** One workflow command line, without its line ending. */
export function formatAnnotation(annotation: Annotation): string {
  const properties: Array<[string, string | number | undefined]> = [
    ['file', annotation.file],
    ['line', annotation.line],
    ['col', annotation.col],
    ['endLine', annotation.endLine],
    ['endColumn', annotation.endColumn],
    ['title', annotation.title],
  ]
  const shown = properties
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
  return `::${annotation.level}${shown.length > 0 ? ` ${shown.join(',')}` : ''}::${escapeData(annotation.message)}`
}
