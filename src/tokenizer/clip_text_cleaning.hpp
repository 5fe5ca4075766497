// The text cleaning transformers' CLIPTokenizer applies when ftfy is not installed (the
// usual case for diffusers' Stable Diffusion pipelines), reproduced code point for code
// point: BERT's BasicTokenizer(strip_accents=False, do_split_on_punc=False), i.e.
//   drop U+0000, U+FFFD and category C (but \t \n \r) -> Zs and \t \n \r become spaces
//   -> spaces around CJK ideographs -> NFC -> split on whitespace -> Python str.lower()
//   of each word (full mappings, Final_Sigma) -> words joined by single spaces.
// Reference: transformers/models/clip/tokenization_clip.py, BasicTokenizer (read, not
// copied). Python semantics come from generated tables (gen_clip_unicode_tables.py).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace aigc::tokenizer {

// UTF-8 text (malformed bytes are dropped, as the U+FFFD Python would decode them to
// is) -> cleaned code points.
std::vector<uint32_t> clip_clean_text(std::string_view utf8);

// Unicode NFC of a code point sequence (Python's unicodedata.normalize("NFC")).
std::vector<uint32_t> nfc_normalize(const std::vector<uint32_t> &cps);

}  // namespace aigc::tokenizer
