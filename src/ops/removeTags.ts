import { changeTags, type TagsOptions, type TagsResult } from './support/modelTags.js'

/** Remove tags from a registered model; a tag it does not have is refused. */
export function removeTags(options: TagsOptions): Promise<TagsResult> {
  return changeTags(options, 'rm')
}
