import { changeTags, type TagsOptions, type TagsResult } from './support/modelTags.js'

/** Add tags to a registered model; the manifest keeps them unique and sorted. */
export function addTags(options: TagsOptions): Promise<TagsResult> {
  return changeTags(options, 'add')
}
