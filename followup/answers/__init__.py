"""What a participant sees and gives: survey definitions, links, drafts, responses, opting out."""
